/**
 * The dashboard on a synthetic run, no model needed: `npx tsx ui/demo.tsx [--steps N] [--ms M]`.
 * Piped (`| cat`) it prints the plain progress lines instead. Commands are answered by the scripted
 * source's trainer mimic (p pauses the replay, s replays one step, q saves and quits); ':eval' runs a
 * simulated evaluation. Marks (g/b) go to a temporary run folder.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { evalMessage } from './protocol.js';
import { createScriptedSource } from './sources/scripted.js';
import { syntheticRun } from './sources/synthetic.js';
import type { EvalLauncher } from './sources/types.js';
import { startDashboard } from './start.js';

function flag(name: string, fallback: number): number {
  const i = process.argv.indexOf(name);
  const v = i >= 0 ? Number(process.argv[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

/** Pretends to evaluate 40 problems in 4 seconds. */
const simulatedEvals = (): EvalLauncher => {
  const timers = new Map<string, NodeJS.Timeout>();
  return {
    start({ id, model, data }, report) {
      let done = 0;
      report(evalMessage({ type: 'eval-start', id, model, data, total: 40 }));
      const tick = () => {
        done += 4;
        report(evalMessage({ type: 'eval-progress', id, done, total: 40 }));
        if (done < 40) timers.set(id, setTimeout(tick, 400));
        else report(evalMessage({ type: 'eval-result', id, result: { 'pass@1': 0.55, 'maj@4': 0.62 } }));
      };
      timers.set(id, setTimeout(tick, 400));
    },
    cancel(id) {
      clearTimeout(timers.get(id));
    },
  };
};

const runDir = mkdtempSync(join(tmpdir(), 'thinktune-demo-'));
const source = createScriptedSource({
  script: syntheticRun({ steps: flag('--steps', 120), runDir }),
  intervalMs: flag('--ms', 40),
  mimicTrainer: true,
});
await startDashboard({ source, evalLauncher: simulatedEvals() });
source.close();
