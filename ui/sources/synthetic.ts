/**
 * A made-up but plausible ThinkTuning run as a script of events, for the demo (`npx tsx ui/demo.tsx`)
 * and for eyeballing layouts. Deterministic for a given seed. Reward climbs, guided rollouts score
 * above unguided ones, KL creeps up, entropy falls.
 */
import type { RolloutRecord, TrainEvent } from '../../src/trainer/events.js';
import type { ScriptEntry } from './scripted.js';

export interface SyntheticRunOptions {
  steps?: number;
  groups?: number;
  samples?: number;
  seed?: number;
  runDir?: string;
}

const STYLES = ['hint', 'critique', 'consult'];

export function syntheticRun({ steps = 60, groups = 4, samples = 6, seed = 1, runDir = 'runs/demo' }: SyntheticRunOptions = {}): ScriptEntry[] {
  let x = seed >>> 0 || 1;
  const rand = () => (x = (Math.imul(x, 1664525) + 1013904223) >>> 0) / 2 ** 32;
  const out: TrainEvent[] = [
    {
      type: 'run-start',
      runDir,
      runName: 'demo-gsm8k',
      totalSteps: steps,
      startStep: 0,
      backend: 'wasm',
      backendReason: 'demo',
      config: {},
      resumedFrom: null,
    },
    { type: 'templates', version: 1, changed: ['hint.md', 'critique.md', 'consult.md'], error: null },
  ];
  // Step indices are 0-based like the trainer's; `done` counts finished steps, as checkpoints do.
  for (let step = 0; step < steps; step++) {
    const done = step + 1;
    const progress = done / steps;
    out.push({ type: 'step-start', step });
    const rollouts: RolloutRecord[] = [];
    for (let g = 0; g < groups; g++) {
      for (let i = 0; i < samples; i++) {
        const guided = i === samples - 1 && rand() < 0.7;
        const correct = rand() < 0.25 + 0.5 * progress + (guided ? 0.2 : 0);
        const a = 10 + g;
        const b = 7 + done;
        const student = `We need ${a} + ${b}. Adding the ones first, then the tens, gives ${correct ? a + b : a + b - 1}.`;
        const teacher = guided ? ` Wait, let me check the carry again: ${a} + ${b} = ${a + b}. So the answer is ${a + b}.` : '';
        const text = student + teacher;
        const style = guided ? STYLES[(g + step) % STYLES.length]! : null;
        rollouts.push({
          step,
          group: g,
          sample: i,
          promptId: `gsm8k-${String(g + 40).padStart(4, '0')}`,
          prompt: `What is ${a} + ${b}?`,
          text,
          studentSpan: [0, student.length],
          teacherSpan: guided ? [student.length, text.length] : null,
          studentTokens: Math.round(student.length / 4),
          teacherTokens: Math.round(teacher.length / 4),
          guided,
          style,
          feedback: guided
            ? { opinion: correct ? 'correct' : 'incorrect', reason: 'the carry was dropped', phrase: 'Wait, let me check the carry again' }
            : null,
          noFeedbackReason: null,
          reward: correct || guided ? 1 : 0,
          rewards: { correct: correct || guided ? 1 : 0 },
          advantage: (correct ? 1 : -1) * (0.5 + rand() * 0.5),
          terminated: true,
          truncated: false,
          answer: String(a + b),
          teacherTokenWeights: guided ? Array.from({ length: Math.round(teacher.length / 4) }, () => 0.3 + 0.7 * rand()) : null,
          templateVersion: 1,
        });
      }
    }
    out.push({ type: 'rollouts', step, rollouts });
    for (const r of rollouts.filter((r) => r.guided)) {
      out.push({ type: 'teacher-feedback', step, group: r.group, sample: r.sample, style: r.style, ok: true, text: r.feedback!.phrase });
    }
    const noise = () => (rand() - 0.5) * 0.15;
    const reward = 0.25 + 0.5 * progress + noise();
    out.push({
      type: 'step',
      step,
      metrics: {
        reward,
        reward_std: 0.4 + noise(),
        'reward/guided': reward + 0.15 + noise(),
        'reward/unguided': reward - 0.05 + noise(),
        'advantage/std': 0.9 - 0.3 * progress + noise(),
        frac_reward_zero_std: 0.2 + 0.3 * progress + noise() / 2,
        kl: 0.002 * done * (1 + noise()),
        entropy: 1.6 - 0.6 * progress + noise(),
        'completions/mean_length': 140 + 60 * progress + 20 * noise(),
        'perf/tokens_per_s': 900 + 200 * rand(),
        'perf/step_time': 2.5 + rand(),
        'mem/num_tensors': 412,
        'mem/bytes': (730 + 10 * rand()) * 2 ** 20,
        'guidance/pct': Math.max(0.02, 0.1 * (1 - 3 * progress)),
      },
    });
    if (done % 10 === 0) out.push({ type: 'checkpoint', step: done, path: `${runDir}/checkpoints/step-${done}` });
    if (done % 17 === 0) out.push({ type: 'warning', message: `teacher timed out on group 2 of step ${done}; that rollout stays unguided` });
  }
  out.push({ type: 'done', step: steps, reason: 'completed' });
  return out;
}
