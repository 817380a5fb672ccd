/** The splitter that turns one chunk of terminal input into its keypresses (ui/input/split-keys.ts). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Key } from 'ink';
import { isTypedText, keyPresses, splitKeys, typedRun, type KeyPress } from '../../ui/input/split-keys.js';
import { keyName } from '../../ui/keys.js';

/** Each key as the keymap names it (ui/keys.ts keyName), with alt shown as 'meta+'. */
const names = (chunk: string) => splitKeys(chunk).map((k) => (k.key.meta && !k.key.escape ? 'meta+' : '') + keyName(k.input, k.key));

test('printable characters come one by one, in order', () => {
  assert.deepEqual(names('jj'), ['j', 'j']);
  assert.deepEqual(names(':set x'), [':', 's', 'e', 't', 'space', 'x']);
  assert.deepEqual(names('gG'), ['g', 'G']);
  assert.equal(splitKeys('G')[0]!.key.shift, true, 'an uppercase letter carries shift, as Ink reports it');
  assert.deepEqual(names('é😀ü'), ['é', '😀', 'ü'], 'a character outside the BMP is one key');
});

test('control characters are Tab, Enter, Backspace, Delete and ctrl+letter', () => {
  assert.deepEqual(names('\t\t'), ['tab', 'tab']);
  assert.deepEqual(names('a\rb\nc'), ['a', 'return', 'b', 'return', 'c']);
  assert.deepEqual(names('x\r\n'), ['x', 'return'], 'CR LF is one Enter');
  assert.deepEqual(names('\r\r'), ['return', 'return']);
  assert.deepEqual(names('\u007f\u007f\b'), ['delete', 'delete', 'backspace']);
  assert.deepEqual(names('\u0003\u0015'), ['ctrl+c', 'ctrl+u']);
});

test('escape sequences are one key each: arrows, Home/End, PageUp/Down, Delete, Shift-Tab', () => {
  assert.deepEqual(names('\u001b[B\u001b[B'), ['down', 'down']);
  assert.deepEqual(names('\u001b[A\u001b[C\u001b[D'), ['up', 'right', 'left']);
  assert.deepEqual(names('\u001bOA\u001bOB'), ['up', 'down'], 'SS3 (application cursor mode) arrows');
  assert.deepEqual(names('\u001b[5~\u001b[6~'), ['pageup', 'pagedown']);
  assert.deepEqual(names('\u001b[H\u001b[F\u001b[1~\u001b[4~\u001b[7~\u001b[8~'), ['home', 'end', 'home', 'end', 'home', 'end']);
  assert.deepEqual(names('\u001b[3~'), ['delete']);
  assert.deepEqual(names('\u001b[Z\t'), ['shift+tab', 'tab']);
  assert.deepEqual(names('j\u001b[Bk'), ['j', 'down', 'k'], 'text around a sequence');
});

test('modifiers of a sequence: xterm ;m parameters and an ESC prefix', () => {
  const [ctrlUp] = splitKeys('\u001b[1;5A');
  assert.equal(ctrlUp!.key.upArrow && ctrlUp!.key.ctrl, true);
  const [shiftRight] = splitKeys('\u001b[1;2C');
  assert.equal(shiftRight!.key.rightArrow && shiftRight!.key.shift, true);
  const [altDown] = splitKeys('\u001b\u001b[B');
  assert.equal(altDown!.key.downArrow && altDown!.key.meta, true);
});

test('a lone Esc is the Esc key; ESC + character is alt+character', () => {
  assert.deepEqual(names('\u001b'), ['esc']);
  assert.deepEqual(names('x\u001b'), ['x', 'esc'], 'Esc at the end of a chunk');
  assert.deepEqual(names('\u001b\u001b'), ['esc'], 'ESC ESC is alt+Esc, as Ink reads it');
  assert.deepEqual(names('\u001bj'), ['meta+j']);
  assert.deepEqual(names('\u001b['), ['esc', '['], 'an unfinished sequence: Esc, then the text');
  assert.deepEqual(names('\u001b[200~hi\u001b[201~'), ['h', 'i'], 'unknown sequences (bracketed paste marks) are skipped whole');
  assert.deepEqual(names('\u001bOP'), [], 'F1 is not a key the dashboard names, and not typed text');
});

test('keyPresses: what Ink hands one useInput call, back into keys', () => {
  const plain = splitKeys('a')[0]!.key;
  const tab: Key = { ...plain, tab: true };
  assert.deepEqual(keyPresses('', tab), [{ input: '', key: tab }], 'a key Ink named passes through');
  assert.deepEqual(keyPresses('q', plain), [{ input: 'q', key: plain }]);
  assert.deepEqual(
    keyPresses('jj', plain).map((k) => k.input),
    ['j', 'j'],
    'a run Ink did not split is split',
  );
  assert.deepEqual(
    keyPresses('\t\t', plain).map((k) => keyName(k.input, k.key)),
    ['tab', 'tab'],
  );
});

test('isTypedText: characters are text; named, ctrl and alt keys are not', () => {
  const text = (chunk: string) => splitKeys(chunk).map(isTypedText);
  assert.deepEqual(text('a :'), [true, true, true]);
  assert.deepEqual(text('\t\r\u007f\u001b[A\u0015\u001bj\u001b'), [false, false, false, false, false, false, false]);
});

test('typedRun: a typed run goes in whole; inner line breaks of a paste become a space, a final Enter stays a key', () => {
  const run = (chunk: string, from = 0) => {
    const keys: KeyPress[] = splitKeys(chunk);
    const r = typedRun(keys, from);
    return r && { text: r.text, rest: keys.slice(r.next).map((k) => keyName(k.input, k.key)) };
  };
  assert.deepEqual(run('set optim.lr 1e-5\r'), { text: 'set optim.lr 1e-5', rest: ['return'] });
  assert.deepEqual(run('first line\r\nsecond\tline'), { text: 'first line second line', rest: [] });
  assert.deepEqual(run('ab\u007fc'), { text: 'ab', rest: ['delete', 'c'] }, 'backspace stops the run, to act as itself');
  assert.deepEqual(run('ab\u001b[Acd'), { text: 'ab', rest: ['up', 'c', 'd'] });
  assert.equal(run('\rabc'), null, 'an Enter before any text is a key');
  assert.deepEqual(run(':x', 1), { text: 'x', rest: [] });
});
