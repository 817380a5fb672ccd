/** Plain one-line-per-event output for headless runs, pipes and CI. */
import type { TrainEvent } from './events.js';

const f = (v: number | null | undefined, digits = 2) => (v === null || v === undefined || !Number.isFinite(v) ? '-' : v.toFixed(digits));

export function formatEvent(e: TrainEvent, totalSteps: number): string | null {
  switch (e.type) {
    case 'run-start':
      return `run ${e.runName} in ${e.runDir}: steps ${e.startStep}..${e.totalSteps}${e.resumedFrom ? ` (resumed from ${e.resumedFrom})` : ''}; backend ${e.backend}${e.backendReason ? ` (${e.backendReason})` : ''}`;
    case 'step': {
      const m = e.metrics;
      return [
        `step ${e.step + 1}/${totalSteps}`,
        `reward ${f(m.reward)}`,
        `(guided ${f(m['reward/guided'])} / unguided ${f(m['reward/unguided'])})`,
        `teacher ${m['guidance/count'] ?? 0}/${m['guidance/chosen'] ?? 0} pct ${f(m['guidance/pct'], 3)}`,
        `len ${f(m['completions/mean_length'], 0)}`,
        `ent ${f(m.entropy)}`,
        `gnorm ${f(m.grad_norm)}`,
        `${f(m['perf/step_time'], 1)}s`,
        `${f(m['perf/tokens_per_s'], 0)} tok/s`,
      ].join('  ');
    }
    case 'checkpoint':
      return `checkpoint saved: ${e.path}`;
    case 'templates':
      return e.error ? `templates: edit rejected, previous version ${e.version} stays in force: ${e.error}` : `templates: version ${e.version} in force (${e.changed.join(', ')})`;
    case 'setting':
      return e.ok ? `setting ${e.key} = ${JSON.stringify(e.value)}` : `setting ${e.key} rejected: ${e.error}`;
    case 'state':
      return `state: ${e.state}`;
    case 'warning':
      return `warning: ${e.message}`;
    case 'fatal':
      return `error: ${e.message}`;
    case 'done':
      return `done after step ${e.step} (${e.reason})`;
    default:
      return null;
  }
}
