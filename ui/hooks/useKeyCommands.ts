/**
 * The dashboard's one keypress handler. While the command line or a mark's note line is open, keys
 * edit it; while the eval pick list is open, keys move and mark in it; otherwise a key is named
 * (keyName), looked up in the keymap for the focused panel and run as a named command.
 * With the help overlay open only global commands act, so hidden panels do not move underneath it.
 */
import { useInput, type Key } from 'ink';
import { useCallback, type RefObject } from 'react';
import type { UiActions } from '../actions.js';
import { keyName, lookupCommand, type KeyBinding } from '../keys.js';
import type { UiAction, UiState } from '../state/types.js';

export function useKeyCommands(bindings: readonly KeyBinding[], actions: UiActions, stateRef: RefObject<UiState>): void {
  const handler = useCallback(
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
      if (s.view.overlay === 'eval-menu') {
        editEvalMenu(input, key, actions);
        return;
      }
      const name = keyName(input, key);
      if (!name) return;
      const command = lookupCommand(bindings, name, s.view.focus);
      if (!command) return;
      if (s.view.overlay === 'help' && !bindings.some((b) => b.command === command && b.panels === 'all')) return;
      actions.run(command);
    },
    [bindings, actions, stateRef],
  );
  useInput(handler);
}

function editCommandLine(text: string, input: string, key: Key, actions: UiActions): void {
  if (key.return) return actions.submitCommandLine(text);
  if (key.escape) return actions.dispatch({ type: 'overlay', overlay: 'none' });
  if (key.backspace || key.delete) {
    // Backspace on an empty line closes it, as in vim.
    if (text === '') return actions.dispatch({ type: 'overlay', overlay: 'none' });
    return actions.dispatch({ type: 'command-edit', backspace: true });
  }
  if (key.ctrl && input === 'c') return actions.dispatch({ type: 'overlay', overlay: 'none' });
  editText(input, key, actions);
}

/** The note of a mark: enter saves it with the note, esc (or ctrl+c) saves it without one. */
function editNote(text: string, input: string, key: Key, actions: UiActions): void {
  if (key.return) return actions.submitNote(text);
  if (key.escape || (key.ctrl && input === 'c')) return actions.submitNote('');
  if (key.backspace || key.delete) return actions.dispatch({ type: 'command-edit', backspace: true });
  editText(input, key, actions);
}

/** Typing into a one-line input: ctrl+u clears it; a paste (one multi-character input) stays on one line. */
function editText(input: string, key: Key, actions: UiActions): void {
  if (key.ctrl && input === 'u') return actions.dispatch({ type: 'command-edit', clear: true });
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
  const typed = printable(input);
  if (typed) actions.dispatch({ type: 'command-edit', append: typed });
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
