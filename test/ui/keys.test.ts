import assert from 'node:assert/strict';
import { test } from 'node:test';
import { COMMAND_NAMES, DEFAULT_KEYMAP, helpSections, keyBarItems, keyName, lookupCommand, resolveKeymap } from '../../ui/keys.js';
import { PANELS } from '../../ui/state/types.js';
import { NO_KEY } from '../../ui/input/split-keys.js';

const noKey = NO_KEY;

test('keyName normalises what Ink reports', () => {
  assert.equal(keyName('p', noKey), 'p');
  assert.equal(keyName('', { ...noKey, tab: true }), 'tab');
  assert.equal(keyName('', { ...noKey, tab: true, shift: true }), 'shift+tab');
  assert.equal(keyName('', { ...noKey, escape: true, meta: true }), 'esc');
  assert.equal(keyName('c', { ...noKey, ctrl: true }), 'ctrl+c');
  assert.equal(keyName('', { ...noKey, upArrow: true }), 'up');
  assert.equal(keyName(' ', noKey), 'space');
  assert.equal(keyName('abc', noKey), null, 'a paste is not a key');
});

test('no two bindings active in the same panel share a key', () => {
  for (const panel of PANELS) {
    const seen = new Map<string, string>();
    for (const b of DEFAULT_KEYMAP.filter((b) => b.panels === 'all' || b.panels.includes(panel))) {
      for (const k of b.keys) {
        assert.ok(!seen.has(k) || seen.get(k) === b.command, `${panel}: '${k}' bound to ${seen.get(k)} and ${b.command}`);
        seen.set(k, b.command);
      }
    }
  }
});

test('lookup honours the focused panel', () => {
  const keys = resolveKeymap().bindings;
  assert.equal(lookupCommand(keys, 'p', 'groups'), 'toggle-pause');
  assert.equal(lookupCommand(keys, 'left', 'groups'), 'prev-group');
  assert.equal(lookupCommand(keys, 'left', 'trace'), 'prev-sample');
  assert.equal(lookupCommand(keys, 'r', 'templates'), 'reload-templates');
  assert.equal(lookupCommand(keys, 'r', 'groups'), null);
});

test('overrides rebind a command and take the key from a clashing one; bad overrides are reported', () => {
  const { bindings, errors } = resolveKeymap({ 'toggle-pause': ['space'], 'step-once': ['p'], nonsense: ['x'], quit: ['ctrl+shift+q'] });
  assert.equal(lookupCommand(bindings, 'space', 'groups'), 'toggle-pause');
  assert.equal(lookupCommand(bindings, 'p', 'groups'), 'step-once');
  assert.equal(lookupCommand(bindings, 'q', 'groups'), 'quit', 'the invalid quit override was skipped');
  assert.equal(errors.length, 2);
  assert.match(errors[0]!, /unknown command 'nonsense'/);
  assert.match(errors[1]!, /keys preference for 'quit'/);
});

test('the key bar changes with the focused panel and merges paired keys', () => {
  const keys = resolveKeymap().bindings;
  const bar = (p: (typeof PANELS)[number]) => keyBarItems(keys, p, 'none', false).map((i) => `${i.keys} ${i.label}`);
  assert.deepEqual(bar('groups').slice(0, 3), ['↑↓ sample', '←→ group', '[] steps']);
  assert.ok(bar('templates').includes('r reload'));
  assert.ok(!bar('groups').includes('r reload'));
  assert.ok(bar('eval').includes('e eval'));
  assert.ok(bar('log').includes('? help') && bar('log').includes('q quit'));
  assert.deepEqual(
    keyBarItems(keys, 'groups', 'command', true).map((i) => i.keys),
    ['enter', 'esc', ':help'],
  );
});

test("help lists every global command with keys, and the focused panel's", () => {
  const sections = helpSections(resolveKeymap().bindings, 'templates', true);
  assert.deepEqual(
    sections.map((s) => s.title),
    ['keys', 'in templates'],
  );
  assert.ok(sections[0]!.rows.some(([k, h]) => k === 'p' && /pause/.test(h)));
  assert.ok(sections[1]!.rows.some(([k]) => k === 'r'));
  const named = new Set(DEFAULT_KEYMAP.map((b) => b.command));
  for (const c of COMMAND_NAMES) assert.ok(named.has(c), `${c} has a binding`);
});

test('R restart shows only after a crash, and first; e edits in templates and evaluates in eval; overlays have their own bars', () => {
  const keys = resolveKeymap().bindings;
  const bar = (p: (typeof PANELS)[number], status?: 'running' | 'crashed') => keyBarItems(keys, p, 'none', false, status).map((i) => `${i.keys} ${i.label}`);
  assert.ok(!bar('groups', 'running').includes('R restart'));
  assert.equal(bar('groups', 'crashed')[0], 'R restart');
  assert.equal(lookupCommand(keys, 'R', 'log'), 'restart');
  assert.equal(lookupCommand(keys, 'e', 'templates'), 'edit-template');
  assert.equal(lookupCommand(keys, 'e', 'eval'), 'new-eval');
  assert.equal(lookupCommand(keys, 'x', 'eval'), 'cancel-eval');
  assert.equal(lookupCommand(keys, 'down', 'eval'), 'select-down');
  assert.ok(bar('templates').includes('e edit'));
  assert.deepEqual(
    keyBarItems(keys, 'groups', 'note', true).map((i) => i.label),
    ['save with note', 'cancel the mark'],
  );
  assert.deepEqual(
    keyBarItems(keys, 'groups', 'eval-menu', false).map((i) => i.label),
    ['move', 'list', 'mark', 'queue', 'close'],
  );
});
