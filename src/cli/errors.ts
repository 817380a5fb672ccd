/**
 * The one place that turns an error into what the user sees: a known, user-fixable error is one
 * line (`thinktune: <what is wrong and how to fix it>`); anything else is a bug and keeps its stack.
 */
export const USER_ERROR_NAMES = new Set([
  'CheckpointError',
  'TokenizerError',
  'ConfigError',
  'BackendError',
  'TrainConfigError',
  'TemplateError',
  'UsageError',
  'DatasetError',
  'RunDirError',
  'RewardError',
]);

export class UsageError extends Error {
  override name = 'UsageError';
}

export function isUserError(e: unknown): e is Error {
  return e instanceof Error && (USER_ERROR_NAMES.has(e.name) || USER_ERROR_NAMES.has(e.constructor.name));
}

export function reportError(e: unknown): number {
  if (isUserError(e)) {
    process.stderr.write(`thinktune: ${e.message.split('\n')[0]}\n`);
    return 1;
  }
  process.stderr.write(`thinktune: internal error — please report it with this trace:\n${e instanceof Error ? e.stack : String(e)}\n`);
  return 2;
}
