/**
 * The one error type checkpoint I/O throws for bad files and failed writes. Its message is a single
 * line that names the file (and tensor) and says how to fix it, so the CLI can print it as is.
 */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

/** Plain-words reasons for the file-system errors a save can hit. */
const DISK_REASONS: Record<string, string> = {
  ENOSPC: 'the disk is full',
  EDQUOT: 'the disk quota is exceeded',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  ENOENT: 'a folder on the path does not exist',
  ENOTDIR: 'a part of the path is a file, not a folder',
  EISDIR: 'a folder is in the way of a file',
  EIO: 'an I/O error occurred',
  EMFILE: 'too many open files',
  ELOOP: 'a symbolic link on the path loops back on itself',
  ENAMETOOLONG: 'the path is too long',
};

/** The errno code of a Node file-system error, or null for anything else. */
export function errnoCode(e: unknown): string | null {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^E[A-Z]+$/.test(code) ? code : null;
}

/** "the disk is full (ENOSPC)" for a Node file-system error. */
export function diskErrorReason(e: unknown): string {
  const code = errnoCode(e);
  if (code === null) return e instanceof Error ? e.message : String(e);
  return `${DISK_REASONS[code] ?? (e as Error).message} (${code})`;
}
