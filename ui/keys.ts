/**
 * The keymap: every key the dashboard answers to, as one table of named commands. The key handler,
 * the help overlay (?) and the bottom key bar all read this table, so they cannot disagree.
 * Users can rebind commands in the preferences file: {"keys": {"toggle-pause": ["space"]}}.
 */
import type { Key } from 'ink';
import { PANELS, type Overlay, type PanelId, type TrainerStatus } from './state/types.js';

export const COMMAND_NAMES = [
  'toggle-pause',
  'step-once',
  'next-panel',
  'prev-panel',
  'help',
  'close',
  'command-line',
  'quit',
  'select-up',
  'select-down',
  'page-up',
  'page-down',
  'prev-group',
  'next-group',
  'prev-sample',
  'next-sample',
  'older-step',
  'newer-step',
  'follow-latest',
  'mark-good',
  'mark-bad',
  'mark-feedback-good',
  'mark-feedback-bad',
  'reload-templates',
  'edit-template',
  'new-eval',
  'cancel-eval',
  'delete-mark',
  'restart',
  'panel-1',
  'panel-2',
  'panel-3',
  'panel-4',
  'panel-5',
  'panel-6',
  'panel-7',
  'panel-8',
  'search',
  'filter-guided',
  'filter-truncated',
  'filter-reward',
  'clear-filters',
  'open-trace',
] as const;
export type CommandName = (typeof COMMAND_NAMES)[number];

export interface KeyBinding {
  command: CommandName;
  /** Normalised key names (see keyName): 'p', '?', 'tab', 'shift+tab', 'esc', 'up', 'ctrl+c', ... */
  keys: string[];
  /** Where the binding is active: everywhere, or only when one of these panels has the focus. */
  panels: 'all' | readonly PanelId[];
  /** Sentence for the help overlay. */
  help: string;
  /** Short label for the key bar; bindings without one are listed only in the help overlay. */
  bar?: string;
  /** Shown in the key bar only while the trainer is in one of these states (the key always answers). */
  whenStatus?: readonly TrainerStatus[];
}

const LISTS = ['templates', 'annotations', 'eval'] as const;
const STEPPED = ['groups', 'trace'] as const;
/** Panels that show one step and can browse to others. */
const BROWSING = [...STEPPED, 'teacher', 'completions'] as const;

export const DEFAULT_KEYMAP: readonly KeyBinding[] = [
  { command: 'toggle-pause', keys: ['p'], panels: 'all', help: 'pause or resume training', bar: 'pause' },
  { command: 'step-once', keys: ['s'], panels: 'all', help: 'run one step while paused', bar: 'step' },
  { command: 'next-panel', keys: ['tab'], panels: 'all', help: 'focus the next panel', bar: 'panel' },
  { command: 'prev-panel', keys: ['shift+tab'], panels: 'all', help: 'focus the previous panel' },
  // Number keys jump to a panel, in tab order (1 groups ... 7 teacher, 8 completions).
  ...PANELS.map((p, i): KeyBinding => ({ command: `panel-${i + 1}` as CommandName, keys: [String(i + 1)], panels: 'all', help: `focus the ${p} panel` })),
  { command: 'command-line', keys: [':'], panels: 'all', help: 'open the command line (:set, :save, :eval, ...)', bar: 'cmd' },
  { command: 'help', keys: ['?'], panels: 'all', help: 'show or hide this help', bar: 'help' },
  { command: 'close', keys: ['esc'], panels: 'all', help: 'close the help or the command line' },
  { command: 'quit', keys: ['q', 'ctrl+c'], panels: 'all', help: 'save a checkpoint, stop and quit (twice: quit now)', bar: 'quit' },
  { command: 'select-up', keys: ['up', 'k'], panels: ['groups'], help: 'previous sample', bar: 'sample' },
  { command: 'select-down', keys: ['down', 'j'], panels: ['groups'], help: 'next sample', bar: 'sample' },
  { command: 'prev-group', keys: ['left', 'h'], panels: ['groups'], help: 'previous group (prompt)', bar: 'group' },
  { command: 'next-group', keys: ['right', 'l'], panels: ['groups'], help: 'next group (prompt)', bar: 'group' },
  { command: 'prev-sample', keys: ['left', 'h'], panels: ['trace'], help: 'previous sample of the group', bar: 'sample' },
  { command: 'next-sample', keys: ['right', 'l'], panels: ['trace'], help: 'next sample of the group', bar: 'sample' },
  { command: 'select-up', keys: ['up', 'k'], panels: ['trace', 'log'], help: 'scroll up', bar: 'scroll' },
  { command: 'select-down', keys: ['down', 'j'], panels: ['trace', 'log'], help: 'scroll down', bar: 'scroll' },
  { command: 'select-up', keys: ['up', 'k'], panels: LISTS, help: 'previous item', bar: 'select' },
  { command: 'select-down', keys: ['down', 'j'], panels: LISTS, help: 'next item', bar: 'select' },
  { command: 'select-up', keys: ['up', 'k'], panels: ['completions'], help: 'previous rollout', bar: 'select' },
  { command: 'select-down', keys: ['down', 'j'], panels: ['completions'], help: 'next rollout', bar: 'select' },
  { command: 'page-up', keys: ['pageup'], panels: ['groups', 'trace', 'log', 'completions', ...LISTS], help: 'one page up' },
  { command: 'page-down', keys: ['pagedown'], panels: ['groups', 'trace', 'log', 'completions', ...LISTS], help: 'one page down' },
  { command: 'older-step', keys: ['['], panels: BROWSING, help: 'show an older step', bar: 'steps' },
  { command: 'newer-step', keys: [']'], panels: BROWSING, help: 'show a newer step', bar: 'steps' },
  { command: 'follow-latest', keys: ['f'], panels: BROWSING, help: 'follow the newest step', bar: 'newest' },
  { command: 'select-up', keys: ['up', 'k'], panels: ['teacher'], help: 'previous guided rollout', bar: 'select' },
  { command: 'select-down', keys: ['down', 'j'], panels: ['teacher'], help: 'next guided rollout', bar: 'select' },
  { command: 'search', keys: ['/'], panels: ['completions'], help: 'search prompts and completions as you type; esc undoes', bar: 'search' },
  { command: 'filter-guided', keys: ['t'], panels: ['completions'], help: 'only guided rollouts (again: all)', bar: 'guided' },
  { command: 'filter-truncated', keys: ['c'], panels: ['completions'], help: 'only rollouts cut at the length limit (again: all)', bar: 'cut' },
  { command: 'filter-reward', keys: ['r'], panels: ['completions'], help: 'reward filter: any, > 0, = 0', bar: 'reward' },
  { command: 'clear-filters', keys: ['x'], panels: ['completions'], help: 'clear the search and every filter', bar: 'clear' },
  { command: 'open-trace', keys: ['return'], panels: ['completions'], help: 'the selected rollout in the trace inspector', bar: 'trace' },
  { command: 'mark-good', keys: ['g'], panels: STEPPED, help: 'mark the rollout trace good', bar: 'mark' },
  { command: 'mark-bad', keys: ['b'], panels: STEPPED, help: 'mark the rollout trace bad', bar: 'mark' },
  { command: 'mark-feedback-good', keys: ['G'], panels: STEPPED, help: "mark the rollout's teacher feedback good" },
  { command: 'mark-feedback-bad', keys: ['B'], panels: STEPPED, help: "mark the rollout's teacher feedback bad" },
  { command: 'reload-templates', keys: ['r'], panels: ['templates'], help: 'reload the feedback templates', bar: 'reload' },
  { command: 'edit-template', keys: ['e'], panels: ['templates'], help: 'edit the selected template in $EDITOR, then check it', bar: 'edit' },
  { command: 'new-eval', keys: ['e'], panels: ['eval'], help: 'pick checkpoints and data sets to evaluate (:eval)', bar: 'eval' },
  { command: 'cancel-eval', keys: ['x'], panels: ['eval'], help: 'cancel the selected evaluation', bar: 'cancel' },
  { command: 'delete-mark', keys: ['d', 'x'], panels: ['annotations'], help: 'delete the selected mark (press twice)', bar: 'delete' },
  {
    command: 'restart',
    keys: ['R'],
    panels: 'all',
    help: 'after a crash: restart from the newest checkpoint',
    bar: 'restart',
    whenStatus: ['crashed'],
  },
];

const NAMED_KEYS = ['tab', 'shift+tab', 'esc', 'return', 'space', 'up', 'down', 'left', 'right', 'pageup', 'pagedown', 'home', 'end', 'backspace', 'delete'];

/** The normalised name of a keypress as Ink reports it, or null for keys the keymap cannot name. */
export function keyName(input: string, key: Key): string | null {
  if (key.escape) return 'esc';
  if (key.tab) return key.shift ? 'shift+tab' : 'tab';
  if (key.return) return 'return';
  if (key.upArrow) return 'up';
  if (key.downArrow) return 'down';
  if (key.leftArrow) return 'left';
  if (key.rightArrow) return 'right';
  if (key.pageUp) return 'pageup';
  if (key.pageDown) return 'pagedown';
  if (key.home) return 'home';
  if (key.end) return 'end';
  if (key.backspace) return 'backspace';
  if (key.delete) return 'delete';
  if (key.ctrl && input.length === 1) return `ctrl+${input.toLowerCase()}`;
  if (input === ' ') return 'space';
  if ([...input].length === 1) return input;
  return null;
}

export function isValidKeyName(name: string): boolean {
  return NAMED_KEYS.includes(name) || /^ctrl\+[a-z]$/.test(name) || ([...name].length === 1 && name !== ' ');
}

const GLYPHS: Record<string, [string, string]> = {
  up: ['↑', 'up'],
  down: ['↓', 'down'],
  left: ['←', 'left'],
  right: ['→', 'right'],
  return: ['⏎', 'enter'],
  pageup: ['PgUp', 'PgUp'],
  pagedown: ['PgDn', 'PgDn'],
  'shift+tab': ['⇧tab', 'S-tab'],
};

/** How a key is written in the key bar and help. */
export function keyLabel(name: string, ascii: boolean): string {
  const glyph = GLYPHS[name];
  if (glyph) return ascii ? glyph[1] : glyph[0];
  if (name.startsWith('ctrl+')) return `^${name.slice(5).toUpperCase()}`;
  return name;
}

export interface ResolvedKeymap {
  bindings: KeyBinding[];
  /** One line per override that was ignored, to show as warnings. */
  errors: string[];
}

/** Apply user overrides {command: [keys]} to the default table; bad entries are reported and skipped. */
export function resolveKeymap(overrides: Record<string, string[]> = {}): ResolvedKeymap {
  const errors: string[] = [];
  let bindings = DEFAULT_KEYMAP.map((b) => ({ ...b, keys: [...b.keys] }));
  for (const [command, keys] of Object.entries(overrides)) {
    if (!(COMMAND_NAMES as readonly string[]).includes(command)) {
      errors.push(`unknown command '${command}' in the keys preference; known commands: ${COMMAND_NAMES.join(', ')}`);
      continue;
    }
    const bad = keys.filter((k) => !isValidKeyName(k));
    if (bad.length || keys.length === 0) {
      errors.push(
        `keys preference for '${command}': keys must be single characters or one of ${NAMED_KEYS.join(', ')}, ctrl+a..z; got ${JSON.stringify(keys)}`,
      );
      continue;
    }
    const scopes = bindings.filter((b) => b.command === command).map((b) => b.panels);
    // A key moved to this command is taken away from any other command it would clash with.
    bindings = bindings.map((b) => {
      if (b.command === command) return { ...b, keys: [...keys] };
      if (!scopes.some((p) => overlaps(p, b.panels))) return b;
      return { ...b, keys: b.keys.filter((k) => !keys.includes(k)) };
    });
  }
  return { bindings, errors };
}

function overlaps(a: KeyBinding['panels'], b: KeyBinding['panels']): boolean {
  if (a === 'all' || b === 'all') return true;
  return a.some((p) => b.includes(p));
}

export function activeIn(b: KeyBinding, focus: PanelId): boolean {
  return b.panels === 'all' || b.panels.includes(focus);
}

/** The command a key triggers with `focus` focused; panel bindings win over global ones. */
export function lookupCommand(bindings: readonly KeyBinding[], name: string, focus: PanelId): CommandName | null {
  const hits = bindings.filter((b) => b.keys.includes(name) && activeIn(b, focus));
  const panelHit = hits.find((b) => b.panels !== 'all');
  return (panelHit ?? hits[0])?.command ?? null;
}

export interface BarItem {
  keys: string;
  label: string;
}

/**
 * The key bar for the focused panel: its own keys first, then the global ones; neighbours with one
 * label merge ("↑↓ rollout"). Bindings with `whenStatus` show only in those trainer states.
 */
export function keyBarItems(bindings: readonly KeyBinding[], focus: PanelId, overlay: Overlay, ascii: boolean, status?: TrainerStatus): BarItem[] {
  const enter = keyLabel('return', ascii);
  if (overlay === 'command')
    return [
      { keys: enter, label: 'run' },
      { keys: 'esc', label: 'cancel' },
      { keys: ':help', label: 'commands' },
    ];
  if (overlay === 'help') return [{ keys: 'esc', label: 'close' }];
  if (overlay === 'search')
    return [
      { keys: enter, label: 'apply' },
      { keys: 'esc', label: 'cancel' },
      { keys: '^U', label: 'clear the line' },
    ];
  if (overlay === 'note')
    return [
      { keys: enter, label: 'save with note' },
      { keys: 'esc', label: 'cancel the mark' },
    ];
  if (overlay === 'eval-menu') {
    return [
      { keys: keyLabel('up', ascii) + keyLabel('down', ascii), label: 'move' },
      { keys: keyLabel('left', ascii) + keyLabel('right', ascii), label: 'list' },
      { keys: 'space', label: 'mark' },
      { keys: enter, label: 'queue' },
      { keys: 'esc', label: 'close' },
    ];
  }
  const when = (b: KeyBinding) => !b.whenStatus || (status !== undefined && b.whenStatus.includes(status));
  const shown = bindings.filter((b) => b.bar && b.keys.length && activeIn(b, focus) && when(b));
  // A state's own keys (R after a crash) lead: they are what the person needs right now.
  const ordered = [
    ...shown.filter((b) => b.whenStatus),
    ...shown.filter((b) => !b.whenStatus && b.panels !== 'all'),
    ...shown.filter((b) => !b.whenStatus && b.panels === 'all'),
  ];
  const items: BarItem[] = [];
  for (const b of ordered) {
    const key = keyLabel(b.keys[0]!, ascii);
    const prev = items[items.length - 1];
    if (prev && prev.label === b.bar) {
      const arrows = /^[↑↓←→\]]$/.test(key) && /[↑↓←→[]$/.test(prev.keys);
      prev.keys += arrows ? key : `/${key}`;
    } else {
      items.push({ keys: key, label: b.bar! });
    }
  }
  return items;
}

/** Help overlay sections: global keys, then the focused panel's keys. */
export function helpSections(bindings: readonly KeyBinding[], focus: PanelId, ascii: boolean): { title: string; rows: [string, string][] }[] {
  const row = (b: KeyBinding): [string, string] => [b.keys.map((k) => keyLabel(k, ascii)).join(' '), b.help];
  const global = bindings.filter((b) => b.panels === 'all' && b.keys.length);
  const local = bindings.filter((b) => b.panels !== 'all' && b.keys.length && b.panels.includes(focus));
  return [{ title: 'keys', rows: global.map(row) }, ...(local.length ? [{ title: `in ${focus}`, rows: local.map(row) }] : [])];
}
