import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { DEFAULT_PREFERENCES, openPreferences } from '../../ui/prefs.js';
import { detectDisplay } from '../../ui/terminal.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-prefs-'));
after(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const folder = (content?: string) => {
  const dir = join(root, `p${n++}`);
  if (content !== undefined) {
    openPreferences({ cwd: dir }); // creates the folder
    writeFileSync(join(dir, 'config.json'), content);
  }
  return dir;
};

test('first run: defaults, no error; updates persist across opens', () => {
  const dir = folder();
  const p = openPreferences({ cwd: dir });
  assert.equal(p.error, null);
  assert.deepEqual(p.prefs, DEFAULT_PREFERENCES);
  assert.equal(p.update({ theme: 'light', lastConfigPath: 'configs/gsm8k.yaml' }), null);
  const again = openPreferences({ cwd: dir });
  assert.equal(again.prefs.theme, 'light');
  assert.equal(again.prefs.lastConfigPath, 'configs/gsm8k.yaml');
});

test('a garbage preferences file is reported, kept aside, and replaced by defaults', () => {
  const dir = folder('{"theme": "dark", oops not json');
  const p = openPreferences({ cwd: dir });
  assert.deepEqual(p.prefs, DEFAULT_PREFERENCES);
  assert.match(p.error!, /is not valid JSON; moved it to .*config\.json\.broken/);
  assert.equal(readFileSync(join(dir, 'config.json.broken'), 'utf8'), '{"theme": "dark", oops not json');
  assert.deepEqual(JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8')), DEFAULT_PREFERENCES);
  assert.equal(openPreferences({ cwd: dir }).error, null, 'the replacement opens cleanly');
});

test('a well-formed file with a bad value is reported the same way', () => {
  const dir = folder(JSON.stringify({ theme: 'neon', ascii: 'yes' }));
  const p = openPreferences({ cwd: dir });
  assert.match(p.error!, /invalid entry \(theme: /);
  assert.deepEqual(p.prefs, DEFAULT_PREFERENCES);
  assert.ok(existsSync(join(dir, 'config.json.broken')));
});

test('ASCII and colour follow THINKTUNE_ASCII, TERM and NO_COLOR', () => {
  const prefs = { ascii: false, theme: 'dark', layout: 'auto' } as const;
  assert.deepEqual(detectDisplay({}, prefs), { ascii: false, color: true, theme: 'dark', layout: 'auto' });
  assert.equal(detectDisplay({ THINKTUNE_ASCII: '1' }, prefs).ascii, true);
  assert.equal(detectDisplay({ TERM: 'linux' }, prefs).ascii, true);
  assert.deepEqual(detectDisplay({ TERM: 'dumb' }, prefs), { ascii: true, color: false, theme: 'dark', layout: 'auto' });
  assert.equal(detectDisplay({ NO_COLOR: '1' }, prefs).color, false);
  assert.equal(detectDisplay({ NO_COLOR: '' }, prefs).color, true, 'an empty NO_COLOR does not count');
  assert.equal(detectDisplay({}, { ...prefs, theme: 'mono' }).color, false);
  assert.equal(detectDisplay({}, { ...prefs, ascii: true }).ascii, true);
});
