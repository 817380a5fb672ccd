/**
 * `thinktune watch RUN_A RUN_B` (#17): the second run's metrics.jsonl is followed as it grows, its
 * reward drawn under the first run's on the same scale and steps, and the header names both runs.
 */
import assert from 'node:assert/strict';
import { appendFileSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { AppContainer } from '../../ui/AppContainer.js';
import { followCompareRun, showComparison } from '../../ui/sources/compare-run.js';
import { watchRunFolder } from '../../ui/sources/files.js';
import { stepMetrics } from './helpers/events.js';
import { lineWidths, renderSized, waitFor } from './helpers/render-sized.js';

const root = mkdtempSync(join(tmpdir(), 'thinktune-two-runs-'));
after(() => rmSync(root, { recursive: true, force: true }));

const line = (v: unknown) => `${JSON.stringify(v)}\n`;

function runFolder(name: string, steps: number, reward: (step: number) => number): string {
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ run: { totalSteps: 50 }, model: { checkpoint: 'builtin' } }));
  let text = '';
  for (let s = 0; s < steps; s++) text += line({ step: s, ...stepMetrics(s + 1), reward: reward(s) });
  writeFileSync(join(dir, 'metrics.jsonl'), text);
  return dir;
}

test('the compared run follows its metrics.jsonl and starts over when it is cut back', () => {
  const dir = runFolder('follow', 3, (s) => s / 10);
  const run = followCompareRun(dir, { pollMs: 60_000 });
  try {
    assert.equal(run.current().name, 'follow');
    assert.deepEqual(
      run.current().rows.map((r) => r.metrics.reward),
      [0, 0.1, 0.2],
    );
    appendFileSync(join(dir, 'metrics.jsonl'), line({ step: 3, reward: 0.3 }) + '{"step": 4, "rew');
    run.poll();
    assert.equal(run.current().rows.length, 4, 'a torn last line waits');
    writeFileSync(join(dir, 'metrics.jsonl'), line({ step: 0, reward: 0.9 }));
    run.poll();
    assert.deepEqual(
      run.current().rows.map((r) => r.metrics.reward),
      [0.9],
    );
  } finally {
    run.close();
  }
  assert.throws(() => followCompareRun(join(root, 'missing')), /does not exist/);
});

test('two runs side by side: A reward over B reward, a legend naming both, and B growing live', async () => {
  const a = runFolder('grpo-run', 20, (s) => 0.1 + s / 100);
  const b = runFolder('think-run', 10, (s) => 0.5 + s / 100);
  const source = watchRunFolder(a, { pollMs: 20 });
  const compared = followCompareRun(b, { pollMs: 20 });
  showComparison(compared);
  const ui = renderSized(<AppContainer source={source} env={{}} coalesceMs={0} />, { columns: 100, rows: 24 });
  const frame = () => ui.lastFrame() ?? '';
  try {
    await waitFor(() => /A grpo-run vs B think-run/.test(frame()) && /A reward .* 0\.290/.test(frame()) && /B reward .* 0\.590/.test(frame()), frame);
    const lines = frame().split('\n');
    assert.match(lines[0]!, /A grpo-run vs B think-run/, 'the header says which two runs are shown');
    const ia = lines.findIndex((l) => l.startsWith('A reward'));
    assert.ok(ia > 0 && lines[ia + 1]!.startsWith('B reward'), `B under A:\n${frame()}`);
    assert.match(lines[ia]!, /0\.290 +0\.1–0\.6/, 'one scale for both');
    assert.match(lines[ia + 1]!, /0\.590 +0\.1–0\.6/);
    // One column per step here (20 steps, a wider chart): B has 10 of A's 20 steps, drawn on A's first 10.
    const blocks = (l: string) => [...l.slice(0, 49)].filter((c) => /[▁▂▃▄▅▆▇█]/.test(c)).length;
    assert.equal(blocks(lines[ia]!), 20, frame());
    assert.equal(blocks(lines[ia + 1]!), 10, frame());
    const firstBlock = (l: string) => [...l].findIndex((c) => /[▁▂▃▄▅▆▇█]/.test(c));
    assert.equal(firstBlock(lines[ia]!), firstBlock(lines[ia + 1]!), 'both start at step 1');
    for (const w of lineWidths(frame())) assert.ok(w <= 100, frame());
    appendFileSync(join(b, 'metrics.jsonl'), line({ step: 10, reward: 0.75 }));
    await waitFor(() => /B reward .* 0\.750 +0\.1–0\.75/.test(frame()), frame);
  } finally {
    ui.unmount();
    source.close();
    compared.close();
    showComparison(null);
  }
});
