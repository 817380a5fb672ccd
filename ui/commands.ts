/**
 * The ':' command line: parses what the user typed into one effect. Values of `:set` are sent as the
 * raw text; the trainer parses them against its config schema exactly like `--set KEY=VALUE` and
 * answers with a 'setting' event (ok or a one-line error), which the log shows. A key the config does
 * not have is refused here, with the CLI's own did-you-mean message (`--set optim.lrr=...`).
 */
import { resolveKey, TrainConfigError } from '../src/config/key-paths.js';
import { settableKeys, TrainConfigSchema } from '../src/config/train-config.js';
import type { TrainCommand } from '../src/trainer/events.js';
import type { DisplaySettings } from './state/types.js';

export type CommandLineEffect =
  | { kind: 'send'; command: TrainCommand }
  | { kind: 'eval'; model: string; data: string }
  /** `:eval` alone: the pick list of checkpoints and data sets. */
  | { kind: 'eval-menu' }
  | { kind: 'export'; file: string; format: 'csv' | 'jsonl' }
  | { kind: 'quit' }
  | { kind: 'help' }
  | { kind: 'mark'; verdict: 'good' | 'bad'; target: 'trace' | 'feedback'; note: string }
  | { kind: 'display'; patch: Partial<Pick<DisplaySettings, 'ascii' | 'theme' | 'layout'>> };

export type CommandLineResult = { ok: true; effect: CommandLineEffect } | { ok: false; error: string };

/** Data set an eval launcher receives when `:eval MODEL` names no data set. */
export const EVAL_DEFAULT_DATA = 'arith-test';

/** Usage lines for the help overlay. */
export const COMMAND_LINE_HELP: readonly [string, string][] = [
  [':set KEY VALUE', 'change a trainer setting'],
  [':pause :resume', 'pause or resume training'],
  [':step', 'one step while paused'],
  [':save', 'save a checkpoint now'],
  [':stop', 'save, stop the run (watch: the watched run)'],
  [':reload', 'reload feedback templates'],
  [':eval [MODEL [DATA]]', 'evaluate (alone: pick from a list)'],
  [':mark good|bad [feedback] NOTE', 'mark with a note'],
  [':export FILE.csv|FILE.jsonl', 'write the annotations'],
  [':theme dark|light|mono', 'colours (saved)'],
  [':ascii on|off', 'ASCII drawing (saved)'],
  [':layout auto|compact|full', 'screen layout (saved)'],
  [':q', 'save, stop and quit'],
];

const THEMES = ['dark', 'light', 'mono'] as const;
const LAYOUTS = ['auto', 'compact', 'full'] as const;

export function parseCommandLine(line: string): CommandLineResult {
  const text = line.trim().replace(/^:/, '');
  const [name = '', ...args] = text.split(/\s+/).filter(Boolean);
  const rest = text.slice(name.length).trim();
  const send = (command: TrainCommand): CommandLineResult => ({ ok: true, effect: { kind: 'send', command } });
  const none = (usage: string): CommandLineResult | null => (args.length ? { ok: false, error: `:${name} takes no arguments; usage: ${usage}` } : null);
  switch (name) {
    case '':
      return { ok: false, error: 'empty command; type :help for the list' };
    case 'set': {
      const key = args[0];
      const value = key ? rest.slice(key.length).trim() : '';
      if (!key || !value) return { ok: false, error: 'usage: :set KEY VALUE (for example :set optim.lr 1e-5)' };
      return unknownKey(key) ?? send({ type: 'set', key, value });
    }
    case 'save':
    case 'w':
      return none(':save') ?? send({ type: 'save' });
    case 'pause':
      return none(':pause') ?? send({ type: 'pause' });
    case 'resume':
      return none(':resume') ?? send({ type: 'resume' });
    case 'step':
      return none(':step') ?? send({ type: 'step-once' });
    case 'reload':
      return none(':reload') ?? send({ type: 'reload-templates' });
    case 'stop':
      return none(':stop') ?? send({ type: 'stop', save: true });
    case 'eval':
      if (args.length > 2) return { ok: false, error: 'usage: :eval [MODEL [DATA]] (paths without spaces; alone it opens a pick list)' };
      if (args.length === 0) return { ok: true, effect: { kind: 'eval-menu' } };
      return { ok: true, effect: { kind: 'eval', model: args[0]!, data: args[1] ?? EVAL_DEFAULT_DATA } };
    case 'export': {
      const file = rest;
      const format = /\.csv$/i.test(file) ? 'csv' : /\.jsonl?$/i.test(file) ? 'jsonl' : null;
      if (!file || !format) return { ok: false, error: 'usage: :export FILE.csv or :export FILE.jsonl (the extension picks the format)' };
      return { ok: true, effect: { kind: 'export', file, format } };
    }
    case 'mark': {
      const m = /^mark\s+(good|bad)(?:\s+(trace|feedback))?(?:\s+(.*))?$/s.exec(text);
      if (!m) return { ok: false, error: 'usage: :mark good|bad [trace|feedback] NOTE (marks the selected rollout)' };
      const target = (m[2] ?? 'trace') as 'trace' | 'feedback';
      return { ok: true, effect: { kind: 'mark', verdict: m[1] as 'good' | 'bad', target, note: (m[3] ?? '').trim() } };
    }
    case 'q':
    case 'quit':
    case 'wq':
      return none(':q') ?? { ok: true, effect: { kind: 'quit' } };
    case 'help':
    case 'h':
      return { ok: true, effect: { kind: 'help' } };
    case 'theme':
      return oneOf(name, args, THEMES, (theme) => ({ theme }));
    case 'layout':
      return oneOf(name, args, LAYOUTS, (layout) => ({ layout }));
    case 'ascii':
      return oneOf(name, args, ['on', 'off'] as const, (v) => ({ ascii: v === 'on' }));
    default:
      return { ok: false, error: `unknown command :${name}; type :help for the list` };
  }
}

/** The config's own message for a key it does not have (a typo: "did you mean optim.lr?"), else null. */
function unknownKey(key: string): CommandLineResult | null {
  try {
    resolveKey(TrainConfigSchema, key);
    return null;
  } catch (err) {
    if (err instanceof TrainConfigError) return { ok: false, error: err.message };
    throw err;
  }
}

function oneOf<T extends string>(
  name: string,
  args: string[],
  allowed: readonly T[],
  patch: (v: T) => Partial<Pick<DisplaySettings, 'ascii' | 'theme' | 'layout'>>,
): CommandLineResult {
  const v = args[0];
  if (args.length !== 1 || !allowed.includes(v as T)) return { ok: false, error: `usage: :${name} ${allowed.join('|')}` };
  return { ok: true, effect: { kind: 'display', patch: patch(v as T) } };
}

/** Command names Tab completes, in the order the candidates are listed (aliases such as :w and :q left out). */
const COMMAND_NAMES = ['set', 'save', 'pause', 'resume', 'step', 'stop', 'reload', 'eval', 'export', 'mark', 'theme', 'ascii', 'layout', 'help', 'quit'];

/** Words Tab completes as the first argument of a command. */
const ARGUMENTS: Record<string, () => readonly string[]> = {
  set: settableKeys,
  theme: () => THEMES,
  layout: () => LAYOUTS,
  ascii: () => ['on', 'off'],
  mark: () => ['good', 'bad'],
};

export interface Completion {
  /** The line with the word under completion extended as far as the candidates agree (a space after a unique one). */
  text: string;
  /** Every word that fits, when more than one does; [] when the completion was unique or nothing fits. */
  candidates: string[];
}

/**
 * Tab in the command line: completes the command name (`se` -> `set `), then the first argument of
 * `:set` (the keys that may change mid-run, settableKeys()) and of `:theme`, `:layout`, `:ascii`, `:mark`.
 * `text` is what follows the ':'.
 */
export function completeCommandLine(text: string): Completion {
  const m = /^(\s*)(\S*)$/.exec(text);
  if (m) return completeWord(m[1]!, m[2]!, COMMAND_NAMES);
  const arg = /^(\s*(\S+)\s+)(\S*)$/.exec(text);
  const words = arg ? ARGUMENTS[arg[2]!]?.() : undefined;
  if (!arg || !words) return { text, candidates: [] };
  return completeWord(arg[1]!, arg[3]!, words);
}

function completeWord(before: string, word: string, words: readonly string[]): Completion {
  const fits = words.filter((w) => w.startsWith(word));
  if (fits.length === 0) return { text: before + word, candidates: [] };
  if (fits.length === 1) return { text: `${before}${fits[0]} `, candidates: [] };
  return { text: before + commonPrefix(fits), candidates: fits };
}

function commonPrefix(words: readonly string[]): string {
  let prefix = words[0]!;
  for (const w of words) while (!w.startsWith(prefix)) prefix = prefix.slice(0, -1);
  return prefix;
}
