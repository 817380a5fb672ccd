/**
 * The dashboard's one keypress handler. While the command line is open, keys edit it; otherwise a
 * key is named (keyName), looked up in the keymap for the focused panel and run as a named command.
 * With the help overlay open only global commands act, so hidden panels do not move underneath it.
 */
import { useInput, type Key } from 'ink';
import { useCallback, type RefObject } from 'react';
import type { UiActions } from '../actions.js';
import { keyName, lookupCommand, type KeyBinding } from '../keys.js';
import type { UiState } from '../state/types.js';

export function useKeyCommands(bindings: readonly KeyBinding[], actions: UiActions, stateRef: RefObject<UiState>): void {
  const handler = useCallback(
    (input: string, key: Key) => {
      const s = stateRef.current;
      if (s.view.overlay === 'command') {
        editCommandLine(s.view.commandText, input, key, actions);
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
  if (key.ctrl && input === 'u') return actions.dispatch({ type: 'command-edit', clear: true });
  if (key.ctrl && input === 'c') return actions.dispatch({ type: 'overlay', overlay: 'none' });
  if (key.ctrl || key.meta || key.tab || key.upArrow || key.downArrow || key.leftArrow || key.rightArrow) return;
  // A paste arrives as one multi-character input; keep it on one line.
  const typed = input.replace(/[\r\n\t]+/g, ' ').replace(/[\u0000-\u001f\u007f]/g, '');
  if (typed) actions.dispatch({ type: 'command-edit', append: typed });
}
