// The wasm backend's threaded build under Node: same numbers as the single-threaded build, the thread
// count it reports, the process ends by itself, and the setting's bad values are refused by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { execa } from 'execa';
import { describeBackend } from '../../src/backend/select.js';
import { MAX_WASM_THREADS, wasmThreadsPerJob, wasmThreadsWanted } from '../../src/backend/wasm-threads.js';

const STEP = fileURLToPath(new URL('./wasm-threads-step.ts', import.meta.url));

interface StepReport {
  backend: string;
  threads: number;
  losses: number[];
  gradNorms: number[];
  checksum: number;
}

async function trainWith(threads: number): Promise<StepReport> {
  const r = await execa(process.execPath, ['--import', 'tsx', STEP], { env: { THINKTUNE_WASM_THREADS: String(threads) }, reject: false });
  assert.equal(r.exitCode, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as StepReport;
}

test('two threads train to the same bits as one, say so, and the process ends on its own', async () => {
  const [one, two] = [await trainWith(1), await trainWith(2)];
  assert.equal(one.threads, 1);
  assert.equal(two.threads, 2);
  assert.match(two.backend, /^backend: wasm \(2 threads\)/);
  assert.match(one.backend, /^backend: wasm \(1 thread\)/);
  // XNNPACK gives each output tile to one thread, so splitting the work does not reorder any sum.
  assert.deepEqual(two.losses, one.losses);
  assert.deepEqual(two.gradNorms, one.gradNorms);
  assert.equal(two.checksum, one.checksum);
  assert.ok(one.losses[2] < one.losses[0], `training lowers the loss: ${one.losses}`);
});

test('THINKTUNE_WASM_THREADS: one per core by default, a whole number from 1 to 8 otherwise', () => {
  assert.equal(wasmThreadsWanted({}), Math.min(availableParallelism(), MAX_WASM_THREADS));
  assert.equal(wasmThreadsWanted({ THINKTUNE_WASM_THREADS: '1' }), 1);
  assert.equal(wasmThreadsWanted({ THINKTUNE_WASM_THREADS: '8' }), 8);
  for (const bad of ['0', '9', '1.5', 'two']) {
    assert.throws(() => wasmThreadsWanted({ THINKTUNE_WASM_THREADS: bad }), new RegExp(`THINKTUNE_WASM_THREADS must be .* not "${bad}"`));
  }
});

test('parallel jobs share the cores out, and a setting the user made is kept', () => {
  const cores = availableParallelism();
  assert.deepEqual(wasmThreadsPerJob(1, {}), { THINKTUNE_WASM_THREADS: String(Math.min(cores, MAX_WASM_THREADS)) });
  assert.deepEqual(wasmThreadsPerJob(cores * 2, {}), { THINKTUNE_WASM_THREADS: '1' });
  assert.deepEqual(wasmThreadsPerJob(2, { THINKTUNE_WASM_THREADS: '3' }), {});
});

test('the backend line names the threads, and why fewer when the threaded build could not start', () => {
  assert.equal(
    describeBackend({ name: 'wasm', tfBackend: 'wasm', reason: 'first that loads', wasm: { threads: 4 } }),
    'backend: wasm (4 threads) — first that loads',
  );
  assert.equal(
    describeBackend({
      name: 'wasm',
      tfBackend: 'wasm',
      reason: 'forced by --backend',
      wasm: { threads: 1, singleBecause: 'the threaded build did not start' },
    }),
    'backend: wasm (1 thread: the threaded build did not start) — forced by --backend',
  );
});
