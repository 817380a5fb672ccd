/**
 * The dashboard's one keypress handler. While the command line, a mark's note line or the completion
 * table's search line is open, keys edit it; while the eval pick list is open, keys move and mark in it; otherwise a key is named
 * (keyName), looked up in the keymap for the focused panel and run as a named command.
 * With the help overlay open, up/down and page up/down scroll it and only global commands act, so
 * hidden panels do not move underneath it. Tab in the command line completes (ui/commands.ts).
 *
 * Every key of a chunk lands, in order: Ink gives one call per run of characters ("jj", "\t\t", a
 * paste), which keyPresses (ui/input/split-keys.ts) splits back into keys. Each key reads the state
 * the key before it left: AppContainer advances `stateRef` on each dispatch, since React renders
 * only after the whole call. While a text line is open, a run of typed characters goes in whole
 * (one edit for a paste); inside such a run an Enter or Tab with more text after it in the same
 * chunk is part of a pasted text and becomes a space, so a multi-line paste stays in the line and
 * its later lines cannot act as commands; an Enter that ends the chunk is a typed Enter and runs or
 * saves the line (":set optim.lr 1e-5\r" typed fast or pasted runs the command).
 */
import { useInput, useStdout, type Key } from 'ink';
import { useCallback, type RefObject } from 'react';
import type { UiActions } from '../actions/ui-actions.js';
import { completeCommandLine } from '../commands.js';
import { keyPresses, typedRun } from '../input/split-keys.js';
import { keyName, lookupCommand, type KeyBinding } from '../keys.js';
import { overlayHeight, planLayout } from '../layout.js';
import { helpView } from '../panels/HelpOverlay.js';
import { readSize, type TerminalSize } from './useTerminalSize.js';
import type { UiAction, UiState } from '../state/types.js';

export function useKeyCommands(bindings: readonly KeyBinding[], actions: UiActions, stateRef: RefObject<UiState>): void {
  const { stdout } = useStdout();
  const handleKey = useCallback(
    (input: string, key: Key) => {
      const s = stateRef.current;
      if (s.view.overlay === 'command') {
        editCommandLine(s.view.commandText, input, key, actions);
        return;
      }
      if (s.view.overlay === 'note') {
        editNote(s.view.commandText, input, key, actions);
        return;
      }
      if (s.view.overlay === 'search') {
        editSearch(s.view.commandText, input, key, actions);
        return;
      }
      if (s.view.overlay === 'eval-menu') {
        editEvalMenu(input, key, actions);
        return;
      }
      if (s.view.overlay === 'help' && scrollHelp(input, key, () => helpScrollLimits(bindings, s, readSize(stdout)), actions)) return;
      const name = keyName(input, key);
      if (!name) return;
      const command = lookupCommand(bindings, name, s.view.focus);
      if (!command) return;
      if (s.view.overlay === 'help' && !bindings.some((b) => b.command === command && b.panels === 'all')) return;
      actions.run(command);
    },
    [bindings, actions, stateRef, stdout],
  );
  const typedIntoLine = useCallback(
    (keys: readonly { input: string; key: Key }[], from: number, text: string) => {
      const words = Array.from(text);
      const firstSpace = words.findIndex((c) => /\s/.test(c));
      const before = keys.slice(from, from + (firstSpace < 0 ? words.length : firstSpace));
      return before.some((k) => {
        const name = keyName(k.input, k.key);
        const command = name ? lookupCommand(bindings, name, stateRef.current.view.focus) : null;
        return command === 'command-line' || command === 'mark-good' || command === 'mark-bad' || command === 'search';
      });
    },
    [bindings, stateRef],
  );
  const handler = useCallback(
    (input: string, key: Key) => {
      const keys = keyPresses(input, key);
      for (let i = 0; i < keys.length; ) {
        const overlay = stateRef.current.view.overlay;
        const editing = overlay === 'command' || overlay === 'note' || overlay === 'search';
        const run = editing || overlay === 'none' || overlay === 'help' ? typedRun(keys, i) : null;
        if (run && !editing && typedIntoLine(keys, i, run.text)) {
          // ":set x\r" or "jbtoo short\r" typed fast: a key before the first space opens the line the
          // rest is typed into, so these are keys.
          handleKey(keys[i]!.input, keys[i]!.key);
          i++;
        } else if (run && editing) {
          actions.dispatch({ type: 'command-edit', append: run.text });
          i = run.next;
        } else if (run && looksPasted(run.text)) {
          // Text pasted onto the dashboard is not a string of commands (its q would quit).
          actions.dispatch({
            type: 'notice',
            notice: {
              at: Date.now(),
              level: 'warning',
              source: 'ui',
              text: `ignored ${run.text.length} pasted characters: open the command line (:) or a note first to paste into it`,
            },
          });
          i = run.next;
        } else {
          handleKey(keys[i]!.input, keys[i]!.key);
          i++;
        }
      }
    },
    [handleKey, typedIntoLine, actions, stateRef],
  );
  useInput(handler);
}

/**
 * A run of typed characters outside a text line that reads as pasted text rather than keys: it holds a
 * space (from a space or a line break) or is long and varied. Fast typing and key repeat ("jj", "jjjjkk",
 * "\t\t") stay keys.
 */
export function looksPasted(text: string): boolean {
  return (text.length > 1 && /\s/.test(text)) || (text.length >= 8 && new Set(text).size >= 4);
}

function editCommandLine(text: string, input: string, key: Key, actions: UiActions): void {
  if (key.return) return actions.submitCommandLine(text);
  if (key.tab && !key.shift) return actions.dispatch({ type: 'command-complete', ...completeCommandLine(text) });
  if (key.escape) return actions.dispatch({ type: 'overlay', overlay: 'none' });
  if (key.backspace || key.delete) {
    // Backspace on an empty line closes it, as in vim.
    if (text === '') return actions.dispatch({ type: 'overlay', overlay: 'none' });
    return actions.dispatch({ type: 'command-edit', backspace: true });
  }
  if (key.ctrl && input === 'c') return actions.dispatch({ type: 'overlay', overlay: 'none' });
  editText(input, key, actions);
}

/** The note of a mark: enter saves the mark (with the note typed, which may be empty); esc (or ctrl+c) cancels it. */
function editNote(text: string, input: string, key: Key, actions: UiActions): void {
  if (key.return) return actions.submitNote(text);
  if (key.escape || (key.ctrl && input === 'c')) {
    actions.dispatch({ type: 'overlay', overlay: 'none' });
    return actions.dispatch({ type: 'notice', notice: { at: Date.now(), level: 'info', source: 'ui', text: 'mark cancelled' } });
  }
  if (key.backspace || key.delete) return actions.dispatch({ type: 'command-edit', backspace: true });
  editText(input, key, actions);
}

/** The completion table's '/' line: enter applies it as the text filter (empty: no text filter); esc cancels. */
function editSearch(text: string, input: string, key: Key, actions: UiActions): void {
  if (key.return) return actions.submitSearch(text);
  if (key.escape || (key.ctrl && input === 'c')) return actions.dispatch({ type: 'overlay', overlay: 'none' });
  if (key.backspace || key.delete) {
    if (text === '') return actions.dispatch({ type: 'overlay', overlay: 'none' });
    return actions.dispatch({ type: 'command-edit', backspace: true });
  }
  editText(input, key, actions);
}

/** Typing into a one-line input: ctrl+u clears it; other named keys do nothing (typed runs arrive whole, above). */
function editText(input: string, key: Key, actions: UiActions): void {
  if (key.ctrl && input === 'u') return actions.dispatch({ type: 'command-edit', clear: true });
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
  const typed = printable(input);
  if (typed) actions.dispatch({ type: 'command-edit', append: typed });
}

/**
 * Up/down (j/k) and page up/down scroll the open help overlay; true when the key was one of them.
 * `limits` gives the overlay's page (rows per column) and its largest scroll at the current size.
 */
function scrollHelp(input: string, key: Key, limits: () => { page: number; max: number }, actions: UiActions): boolean {
  if (key.ctrl || key.meta) return false;
  const line = key.upArrow || input === 'k' ? -1 : key.downArrow || input === 'j' ? 1 : 0;
  const page = key.pageUp ? -1 : key.pageDown ? 1 : 0;
  if (line === 0 && page === 0) return false;
  const { page: pageLines, max } = limits();
  actions.dispatch({ type: 'help-scroll', delta: line + page * pageLines, max });
  return true;
}

/** The help overlay's page and largest scroll at this terminal size, as DashboardLayout draws it. */
function helpScrollLimits(bindings: readonly KeyBinding[], s: UiState, size: TerminalSize): { page: number; max: number } {
  const plan = planLayout(size.columns, size.rows, s.display.layout);
  if (plan.kind !== 'dashboard') return { page: 1, max: 0 };
  const view = helpView(bindings, s.view.focus, s.display.ascii, plan.columns, overlayHeight(plan));
  return { page: Math.max(1, view.bodyLines - 1), max: view.maxScroll };
}

const printable = (input: string): string => input.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');

function editEvalMenu(input: string, key: Key, actions: UiActions): void {
  const edit = (e: Omit<Extract<UiAction, { type: 'eval-menu-edit' }>, 'type'>) => actions.dispatch({ type: 'eval-menu-edit', ...e });
  if (key.return) return actions.submitEvalMenu();
  if (key.escape || (key.ctrl && input === 'c')) return actions.dispatch({ type: 'overlay', overlay: 'none' });
  if (key.upArrow) return edit({ move: -1 });
  if (key.downArrow) return edit({ move: 1 });
  if (key.pageUp) return edit({ move: -10 });
  if (key.pageDown) return edit({ move: 10 });
  if (key.leftArrow || key.rightArrow || key.tab) return edit({ switchColumn: true });
  if (key.backspace || key.delete) return edit({ backspace: true });
  if (input === ' ') return edit({ toggle: true });
  if (key.ctrl || key.meta) return;
  const typed = printable(input);
  if (typed) edit({ append: typed });
}
