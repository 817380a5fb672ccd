/**
 * Raised for a dataset that cannot be built or read: a bad JSONL line, a missing field, an unknown
 * dataset name, settings that leave no room for the problems asked for. The message is one line that
 * names the file and line (or the setting) and says how to fix it, so the CLI can print it as is
 * (the CLI already treats `DatasetError` as a user error).
 */
export class DatasetError extends Error {
  override name = 'DatasetError';
}
