/**
 * Raised for a missing, unreadable or malformed tokenizer file, or a vocabulary that cannot be built.
 * The message is one line that names the file (or input) and says how to fix it, so the CLI can print it
 * as is.
 */
export class TokenizerError extends Error {
  override name = 'TokenizerError';
}
