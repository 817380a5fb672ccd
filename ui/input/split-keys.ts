/**
 * Terminal input split into keypresses. A terminal hands over whatever bytes arrived together: key
 * repeat, fast typing over SSH, `tmux send-keys Tab Tab` and pastes come as one chunk ("\t\t", "jj",
 * ":set optim.lr 1e-5\r"). Ink 6 cuts a chunk at escape sequences but gives each run of plain
 * characters between them to `useInput` as ONE call, with `input` = the whole run and no key flag
 * set, so a handler that looks at one key per call drops all of them. `keyPresses` turns one such
 * call back into the keys it holds; `splitKeys` is the tokenizer, and also splits escape sequences
 * (arrows, Home/End, PageUp/Down, Delete, Shift-Tab, ESC-prefixed Alt keys) should a raw chunk ever
 * hold them. Each key is the `(input, key)` pair Ink's parse-keypress would give for it alone
 * (node_modules/ink/build/hooks/use-input.js), so downstream code handles both the same way.
 * `typedRun` is how an open text line takes the typed text among them: whole, as one edit.
 * Ink 6.8 has no paste hook and no bracketed-paste mode, so a paste is told from typing only by
 * arriving in one chunk.
 */
import type { Key } from 'ink';

export interface KeyPress {
  /** What Ink would pass as `input`: the character, '' for named keys, the letter for ctrl+letter. */
  input: string;
  key: Key;
}

const ESC = '\u001b';

/** A Key with no flag set: what Ink reports for a plain printable character. */
export const NO_KEY: Key = {
  upArrow: false,
  downArrow: false,
  leftArrow: false,
  rightArrow: false,
  pageDown: false,
  pageUp: false,
  home: false,
  end: false,
  return: false,
  escape: false,
  ctrl: false,
  shift: false,
  tab: false,
  backspace: false,
  delete: false,
  meta: false,
  super: false,
  hyper: false,
  capsLock: false,
  numLock: false,
};

const press = (input: string, flags: Partial<Key> = {}): KeyPress => ({ input, key: { ...NO_KEY, ...flags } });

/** Final byte of `ESC [ ... X` / `ESC O X` -> the key it names (xterm, also SS3 "application" mode). */
const LETTER_KEYS: Record<string, Partial<Key>> = {
  A: { upArrow: true },
  B: { downArrow: true },
  C: { rightArrow: true },
  D: { leftArrow: true },
  H: { home: true },
  F: { end: true },
  Z: { tab: true, shift: true },
};

/** Number of `ESC [ n ~` -> the key it names (vt220 / rxvt / linux console). */
const TILDE_KEYS: Record<string, Partial<Key>> = {
  '1': { home: true },
  '7': { home: true },
  '4': { end: true },
  '8': { end: true },
  '3': { delete: true },
  '5': { pageUp: true },
  '6': { pageDown: true },
};

/**
 * The keys in what Ink handed one `useInput` call. A named key (any flag set) or a single character
 * is one key and passes through unchanged; a run of several characters without flags is a chunk of
 * keys Ink did not split, and is split here.
 */
export function keyPresses(input: string, key: Key): KeyPress[] {
  const named = Object.entries(key).some(([k, v]) => v === true && k !== 'shift');
  if (named || [...input].length <= 1) return [{ input, key }];
  return splitKeys(input);
}

/** A chunk of raw terminal input -> its keypresses, in order. */
export function splitKeys(chunk: string): KeyPress[] {
  const keys: KeyPress[] = [];
  let i = 0;
  while (i < chunk.length) {
    if (chunk[i] === ESC) {
      const [k, next] = escapeKey(chunk, i);
      if (k) keys.push(k);
      i = next;
      continue;
    }
    const ch = String.fromCodePoint(chunk.codePointAt(i)!);
    // "\r\n" (a pasted Windows line end) is one Enter, not two.
    if (ch === '\r' && chunk[i + 1] === '\n') i++;
    keys.push(characterKey(ch));
    i += ch.length;
  }
  return keys;
}

/** One character typed alone, as Ink names it: control characters are Enter, Tab, Backspace, ctrl+letter. */
function characterKey(ch: string): KeyPress {
  if (ch === '\r' || ch === '\n') return press('\r', { return: true });
  if (ch === '\t') return press('', { tab: true });
  if (ch === '\b') return press('', { backspace: true });
  if (ch === '\u007f') return press('', { delete: true });
  const code = ch.codePointAt(0)!;
  if (code >= 1 && code <= 26) return press(String.fromCharCode(code + 96), { ctrl: true });
  return press(ch, /^[A-Z]$/.test(ch) ? { shift: true } : {});
}

/**
 * The key that starts at the ESC at `start`, and where the next one starts. A lone ESC (at the end of
 * the chunk, or before something that is no sequence) is the Esc key; ESC ESC is Esc pressed with Alt;
 * ESC + character is Alt + that character; an unknown but well-formed sequence (F-keys, focus
 * reports, ...) is skipped whole so its bytes do not turn into typed text.
 */
function escapeKey(chunk: string, start: number): [KeyPress | null, number] {
  let i = start + 1;
  const alt = chunk[i] === ESC && (chunk[i + 1] === '[' || chunk[i + 1] === 'O');
  if (alt) i++;
  const intro = chunk[i];
  if (intro === '[') {
    const m = /^\[([0-9;:?<=>]*)([\u0020-\u002f]*)([\u0040-\u007e])/.exec(chunk.slice(i));
    if (m) return [csiKey(m[1]!, m[3]!, alt), i + m[0].length];
  }
  if (intro === 'O' && i + 1 < chunk.length) {
    const flags = LETTER_KEYS[chunk[i + 1]!];
    return [flags ? press('', { ...flags, meta: alt }) : null, i + 2];
  }
  if (intro === undefined) return [press('', { escape: true, meta: true }), i];
  if (intro === ESC) return [press('', { escape: true, meta: true }), i + 1];
  // Alt + character (or a lone ESC before a character that cannot follow ESC as a sequence).
  const ch = String.fromCodePoint(chunk.codePointAt(i)!);
  if (ch === '[') return [press('', { escape: true, meta: true }), i];
  const k = characterKey(ch);
  return [{ input: k.input, key: { ...k.key, meta: true } }, i + ch.length];
}

/** `ESC [ params final`: xterm modifiers are `;m` with m-1 = shift 1 | alt 2 | ctrl 4. */
function csiKey(params: string, final: string, alt: boolean): KeyPress | null {
  const [first = '', mod = '1'] = params.split(';');
  const bits = Math.max(0, Number.parseInt(mod, 10) - 1 || 0);
  const flags = final === '~' ? TILDE_KEYS[first] : LETTER_KEYS[final];
  if (!flags) return null;
  return press('', { ...flags, shift: Boolean(flags.shift) || Boolean(bits & 1), meta: alt || Boolean(bits & 2), ctrl: Boolean(bits & 4) });
}

/** A character that is typed text (not a named key, not ctrl/alt): what goes into a text prompt. */
export function isTypedText(k: KeyPress): boolean {
  const { key } = k;
  if (key.ctrl || key.meta || key.return || key.tab || key.escape || key.backspace || key.delete) return false;
  if (key.upArrow || key.downArrow || key.leftArrow || key.rightArrow || key.pageUp || key.pageDown || key.home || key.end) return false;
  return k.input !== '' && !/[\u0000-\u001f\u007f]/.test(k.input);
}

/**
 * The typed text that starts at keys[from], if any, and the index after it. Enter and Tab keys with
 * more typed text after them are pasted line breaks and become one space; trailing ones end the run.
 */
export function typedRun(keys: readonly KeyPress[], from: number): { text: string; next: number } | null {
  let text = '';
  let i = from;
  while (i < keys.length) {
    const k = keys[i]!;
    if (isTypedText(k)) {
      text += k.input;
      i++;
      continue;
    }
    if (!text || !isBreak(k)) break;
    let j = i;
    while (j < keys.length && isBreak(keys[j]!)) j++;
    if (j === keys.length || !isTypedText(keys[j]!)) break;
    text += ' ';
    i = j;
  }
  return text ? { text, next: i } : null;
}

const isBreak = (k: KeyPress) => (k.key.return || k.key.tab) && !k.key.shift && !k.key.meta && !k.key.ctrl;
