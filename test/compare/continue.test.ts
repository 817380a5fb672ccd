// `compare --continue`: the finished runs of a comparison in its results folder are kept as they are,
// unfinished (failed or cut off) ones start over in an empty run folder, more seeds are added, and a
// different experiment in the same folder is refused. Micro budget: tiny model, 2 steps, 3 test problems.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useTestBackend } from '../helpers/backend.js';
import { writeMicroCompareConfig } from '../helpers/micro-compare.js';
import { loadTrainConfig } from '../../src/config/train-config.js';
import { runComparison, type CompareResults } from '../../src/compare/compare.js';

let configFile = '';
let work = '';
before(async () => {
  await useTestBackend();
  work = mkdtempSync(join(tmpdir(), 'thinktune-continue-'));
  configFile = writeMicroCompareConfig(work, 7);
});

const readResults = (dir: string) => JSON.parse(readFileSync(join(dir, 'results.json'), 'utf8')) as CompareResults;

test('--continue keeps finished runs, reruns an unfinished one from scratch and adds seeds', { timeout: 120_000 }, async () => {
  const outDir = join(work, 'cmp');
  const config = loadTrainConfig(configFile);
  await runComparison({ config, seeds: 1, outDir, limit: 3, command: 'thinktune compare --first' });
  const first = readResults(outDir);
  // Make seed 1 of thinktuning look cut off: failed in results.json, a half-written file in its folder.
  const tt = first.methods.thinktuning[0];
  tt.error = 'killed';
  tt.metrics = null;
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(first));
  const stray = join(tt.runDir!, 'left-over.txt');
  writeFileSync(stray, 'from the run that was cut off');

  await assert.rejects(
    runComparison({ config, seeds: 2, outDir, limit: 3, command: 'thinktune compare --again' }),
    /already holds results\.json from an earlier comparison; pass --continue/,
  );
  const lines: string[] = [];
  const res = await runComparison({ config, seeds: 2, outDir, limit: 3, command: 'thinktune compare --continue', continue: true, log: (l) => lines.push(l) });

  assert.ok(lines.includes(`continuing ${outDir}: 2 of 5 runs finished earlier and are kept`), lines.join('\n'));
  // Kept runs are the very same records; the failed one and seed 2 were run now.
  assert.deepEqual(res.methods['zero-shot'][0], first.methods['zero-shot'][0]);
  assert.deepEqual(res.methods.grpo[0], first.methods.grpo[0]);
  assert.deepEqual(
    res.methods.grpo.map((r) => r.seed),
    [1, 2],
  );
  assert.deepEqual(
    res.methods.thinktuning.map((r) => r.seed),
    [1, 2],
  );
  for (const r of [res.methods.thinktuning[0], res.methods.grpo[1], res.methods.thinktuning[1]]) {
    assert.equal(r.error, null);
    assert.ok(Date.parse(r.startedAt) > Date.parse(first.methods.grpo[0].endedAt), `${r.method} seed ${r.seed} was not run again`);
  }
  assert.equal(existsSync(stray), false, 'the unfinished run starts over in an empty folder');
  const metrics = readFileSync(join(res.methods.thinktuning[0].runDir!, 'metrics.jsonl'), 'utf8').trim().split('\n');
  assert.equal(metrics.length, 2, 'one line per step of the new run only');
  // The record says how it came about; the analysis covers both seeds.
  const saved = readResults(outDir);
  assert.equal(saved.command, 'thinktune compare --first');
  assert.deepEqual(
    saved.continuedBy!.map((c) => c.command),
    ['thinktune compare --continue'],
  );
  assert.deepEqual(saved.seeds, [1, 2]);
  assert.notEqual(saved.analysis, null);
  assert.doesNotMatch(readFileSync(join(outDir, 'table.md'), 'utf8'), /Partial/);
});

test('--continue refuses another experiment in the same folder, naming what differs', { timeout: 60_000 }, async () => {
  const outDir = join(work, 'cmp'); // the comparison the test above left
  const refused = async (over: Partial<Parameters<typeof runComparison>[0]>, what: RegExp) => {
    const opts = { config: loadTrainConfig(configFile), seeds: 2, outDir, limit: 3, command: 'x', continue: true, ...over };
    await assert.rejects(runComparison(opts), what);
  };
  await refused(
    { config: loadTrainConfig(configFile, ['optim.lr=0.5']) },
    /holds a comparison that differs in the base config \(optim\.lr: [0-9.e-]+ earlier vs 0\.5 now\); run it with the same config/,
  );
  await refused({ limit: 2 }, /differs in the test problems or how they are evaluated/);
  await refused({ samples: 2 }, /differs in the test problems or how they are evaluated/);
  await refused({ seeds: 1 }, /differs in seeds \(2 earlier, 1 now: --seeds may grow, not shrink\)/);
  await refused({ reference: 'thinktuning' }, /differs in the reference method/);
  // Nothing was run or written by the refused attempts.
  assert.equal(readResults(outDir).continuedBy!.length, 1);
});

test('--continue takes a key added to the schema since the earlier runs at its default', { timeout: 60_000 }, async () => {
  const outDir = join(work, 'cmp'); // the comparison the tests above left: 5 finished runs
  const saved = readResults(outDir);
  // As a results.json written before teacher.allowInsecureKey existed holds it.
  delete (saved.config.teacher as Partial<typeof saved.config.teacher>).allowInsecureKey;
  writeFileSync(join(outDir, 'results.json'), JSON.stringify(saved));
  const lines: string[] = [];
  await runComparison({ config: loadTrainConfig(configFile), seeds: 2, outDir, limit: 3, command: 'y', continue: true, log: (l) => lines.push(l) });
  assert.ok(lines.includes(`continuing ${outDir}: 5 of 5 runs finished earlier and are kept`), lines.join('\n'));
  // The key set to something other than its default is still a different experiment.
  const before = readResults(outDir).continuedBy!.length;
  await assert.rejects(
    runComparison({ config: loadTrainConfig(configFile, ['teacher.allowInsecureKey=true']), seeds: 2, outDir, limit: 3, command: 'z', continue: true }),
    /differs in the base config \(teacher\.allowInsecureKey: false earlier vs true now\)/,
  );
  assert.equal(readResults(outDir).continuedBy!.length, before);
});
