/**
 * Editing a template: hand the terminal to the person's $EDITOR, then check the folder the way the
 * trainer will load it, so a broken edit is reported in the dashboard at once rather than at the next
 * step boundary.
 *
 * Handing over the terminal (what gemini-cli's editorUtils does for terminal editors):
 *  1. Ink must stop reading stdin and leave raw mode, or the editor gets cooked input and Ink steals
 *     keystrokes: call Ink's `useStdin().setRawMode(false)` (it drops Ink's stdin listener when its
 *     count reaches zero), and switch the tty off raw mode directly if another hook still holds it.
 *  2. Run the editor *synchronously*: a blocked event loop means Ink neither repaints over the editor
 *     nor reads from the shared stdin while it runs.
 *  3. Give raw mode back in the same order, even when the editor fails. The shell should then clear and
 *     redraw its frame (full-screen editors restore the screen, but line editors leave text behind).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { execaSync, parseCommandString } from 'execa';
import { TemplateError, loadTemplates, type LoadOptions } from '../../src/prompts/templates.js';

/** The stdin Ink reads from, as far as raw mode goes (a tty.ReadStream, or a fake in tests). */
export interface RawModeStream {
  isTTY?: boolean;
  isRaw?: boolean;
  setRawMode?: (on: boolean) => unknown;
}

export interface TerminalHandoff {
  /** Ink's `useStdin().setRawMode`; keeps Ink's own count of raw-mode users right. */
  setRawMode?: (on: boolean) => void;
  /** Ink's `useStdin().stdin`; default `process.stdin`. */
  stdin?: RawModeStream;
}

/** `$EDITOR` split into command and arguments (`code --wait`, `emacs -nw`), or `vi` when unset. */
export function editorCommand(env: NodeJS.ProcessEnv = process.env): [string, ...string[]] {
  const raw = (env.EDITOR ?? '').trim();
  const parts = raw === '' ? [] : parseCommandString(raw);
  return parts.length > 0 ? (parts as [string, ...string[]]) : ['vi'];
}

const digest = (file: string): string | null => {
  try {
    return createHash('sha256').update(readFileSync(file)).digest('hex');
  } catch {
    return null; // not there (yet): an editor may create it
  }
};

/**
 * Open `file` in `$EDITOR` (default `vi`) on this terminal and wait for it to close.
 * Resolves `changed: true` when the file's bytes differ afterwards; throws one line when the editor
 * cannot be started or exits with a non-zero status.
 */
export async function openInEditor(file: string, terminal: TerminalHandoff = {}): Promise<{ changed: boolean }> {
  const [cmd, ...args] = editorCommand();
  const stdin: RawModeStream = terminal.stdin ?? process.stdin;
  const wasRaw = stdin.isTTY === true && stdin.isRaw === true;
  const before = digest(file);
  if (wasRaw) {
    terminal.setRawMode?.(false);
    if (stdin.isRaw) stdin.setRawMode?.(false);
  }
  let failure: string | null = null;
  try {
    const result = execaSync(cmd, [...args, file], { stdio: 'inherit', reject: false });
    if (result.failed) {
      failure =
        result.exitCode === undefined
          ? `could not start the editor \`${cmd}\` (${result.originalMessage ?? result.shortMessage}); set $EDITOR to an editor on your PATH`
          : `the editor \`${cmd}\` exited with status ${result.exitCode}; the file may be unsaved`;
    }
  } finally {
    if (wasRaw) {
      terminal.setRawMode?.(true);
      if (!stdin.isRaw) stdin.setRawMode?.(true);
    }
  }
  if (failure !== null) throw new Error(failure);
  return { changed: digest(file) !== before };
}

/**
 * Load the templates in `dir` exactly as the trainer will (pass the run's `LoadOptions`); returns the loader's one-line error (which
 * names the file and the fix), or null when the folder is valid.
 */
export function validateTemplateEdit(dir: string, opts: LoadOptions = {}): string | null {
  try {
    loadTemplates(dir, opts);
    return null;
  } catch (err) {
    if (err instanceof TemplateError) return err.message;
    throw err;
  }
}
