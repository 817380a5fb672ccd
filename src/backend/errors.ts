/** A backend that cannot load or cannot be trusted; one line that says what to use instead. */
export class BackendError extends Error {
  override name = 'BackendError';
}
