/**
 * Dashboard preferences (layout, colour theme, ASCII mode, key overrides, last config path), kept with
 * `conf` in the user's config folder (projectName 'thinktune'). A preferences file that is not valid
 * JSON or does not match the schema is moved aside to `<file>.broken` and replaced by the defaults; the
 * reason is returned in `error` for the UI to show. Opening preferences never throws.
 */
import Conf from 'conf';
import fs from 'node:fs';
import { z } from 'zod';

export const PreferencesSchema = z.object({
  layout: z.enum(['auto', 'compact', 'full']).default('auto'),
  theme: z.enum(['dark', 'light', 'mono']).default('dark'),
  ascii: z.boolean().default(false),
  /** Command name -> key names, e.g. {"toggle-pause": ["space"]}; checked by resolveKeymap. */
  keys: z.record(z.string(), z.array(z.string())).default({}),
  lastConfigPath: z.string().nullable().default(null),
});
export type Preferences = z.output<typeof PreferencesSchema>;

export const DEFAULT_PREFERENCES: Preferences = PreferencesSchema.parse({});

export interface PrefsStore {
  readonly prefs: Preferences;
  /** Why the stored preferences could not be used (already replaced by defaults), or null. */
  readonly error: string | null;
  /** The preferences file, or null when preferences are kept in memory only. */
  readonly path: string | null;
  /** Merge `patch` in and save it; returns an error line instead of throwing when saving fails. */
  update(patch: Partial<Preferences>): string | null;
}

export interface OpenPreferencesOptions {
  /** Folder holding config.json (tests point this at a temp folder); default: the OS config folder. */
  cwd?: string;
}

export function openPreferences(options: OpenPreferencesOptions = {}): PrefsStore {
  let conf: Conf<Record<string, unknown>>;
  try {
    // clearInvalidConfig makes conf read a garbled file as {} instead of throwing; we detect that
    // case ourselves below, so the user is told and the file is kept for them to look at.
    conf = new Conf<Record<string, unknown>>({ projectName: 'thinktune', cwd: options.cwd, clearInvalidConfig: true });
  } catch (err) {
    return memoryPreferences(DEFAULT_PREFERENCES, `preferences unavailable (${oneLine(err)}); using defaults for this session`);
  }
  const path = conf.path;
  const { prefs, problem } = readStored(path);
  let error: string | null = null;
  if (problem) {
    const aside = `${path}.broken`;
    try {
      fs.renameSync(path, aside);
      conf.store = { ...DEFAULT_PREFERENCES };
      error = `preferences file ${path} ${problem}; moved it to ${aside} and started from the defaults`;
    } catch (err) {
      error = `preferences file ${path} ${problem} and could not be replaced (${oneLine(err)}); using defaults for this session`;
    }
  }
  let current = prefs;
  return {
    get prefs() {
      return current;
    },
    error,
    path,
    update(patch) {
      current = { ...current, ...patch };
      try {
        conf.store = { ...current };
        return null;
      } catch (err) {
        return `could not save preferences to ${path}: ${oneLine(err)}`;
      }
    },
  };
}

/** Preferences that live only in memory (tests, or when the config folder is unusable). */
export function memoryPreferences(initial: Partial<Preferences> = {}, error: string | null = null): PrefsStore {
  let current: Preferences = { ...DEFAULT_PREFERENCES, ...initial };
  return {
    get prefs() {
      return current;
    },
    error,
    path: null,
    update(patch) {
      current = { ...current, ...patch };
      return null;
    },
  };
}

function readStored(path: string): { prefs: Preferences; problem: string | null } {
  let text: string;
  try {
    text = fs.readFileSync(path, 'utf8');
  } catch {
    return { prefs: DEFAULT_PREFERENCES, problem: null }; // no file yet: first run
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return { prefs: DEFAULT_PREFERENCES, problem: 'is not valid JSON' };
  }
  const parsed = PreferencesSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length ? `${issue.path.join('.')}: ` : '';
    return { prefs: DEFAULT_PREFERENCES, problem: `has an invalid entry (${where}${issue.message})` };
  }
  return { prefs: parsed.data, problem: null };
}

function oneLine(err: unknown): string {
  return (err instanceof Error ? err.message : String(err)).split('\n')[0]!;
}
