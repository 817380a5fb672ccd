/** Small factories for trainer events used across the UI tests. */
import type { RolloutRecord, StepMetrics, TrainEvent } from '../../../src/trainer/events.js';
import { eventMessage } from '../../../ui/protocol.js';

export function runStart(over: Partial<Extract<TrainEvent, { type: 'run-start' }>> = {}): TrainEvent {
  return {
    type: 'run-start',
    runDir: 'runs/demo',
    runName: 'gsm8k-qwen',
    totalSteps: 200,
    startStep: 0,
    backend: 'wasm',
    backendReason: 'no GPU backend installed',
    config: {},
    resumedFrom: null,
    ...over,
  };
}

export function rollout(step: number, group: number, sample: number, over: Partial<RolloutRecord> = {}): RolloutRecord {
  const text = `Let me think. 2 + 2 = 4. The answer is 4.`;
  return {
    step,
    group,
    sample,
    promptId: `p${group}`,
    prompt: 'What is 2 + 2?',
    text,
    studentSpan: [0, text.length],
    teacherSpan: null,
    studentTokens: 12,
    teacherTokens: 0,
    guided: false,
    style: null,
    feedback: null,
    noFeedbackReason: null,
    reward: 1,
    rewards: { correct: 1 },
    advantage: 0.5,
    terminated: true,
    truncated: false,
    answer: '4',
    teacherTokenWeights: null,
    templateVersion: 1,
    ...over,
  };
}

export function stepMetrics(step: number): StepMetrics {
  const t = step / 10;
  return {
    reward: 0.3 + 0.2 * Math.sin(t),
    'reward/guided': 0.4 + 0.2 * Math.sin(t),
    'reward/unguided': 0.2 + 0.2 * Math.sin(t),
    'advantage/std': 0.8,
    kl: 0.001 * step,
    entropy: 1.5 - 0.001 * step,
    'completions/mean_length': 120 + step,
    frac_reward_zero_std: 0.25,
    'perf/tokens_per_s': 1234,
    'perf/step_time': 3.5,
    'mem/num_tensors': 321,
    'mem/bytes': 512 * 2 ** 20,
    'guidance/pct': 0.25,
  };
}

/** The events of one whole training step: start, rollouts of `groups` x `samples`, feedback, metrics. */
export function stepEvents(step: number, groups = 2, samples = 4): TrainEvent[] {
  const rollouts: RolloutRecord[] = [];
  for (let g = 0; g < groups; g++) for (let i = 0; i < samples; i++) rollouts.push(rollout(step, g, i));
  return [
    { type: 'step-start', step },
    { type: 'rollouts', step, rollouts },
    { type: 'teacher-feedback', step, group: 0, sample: 0, style: 'hint', ok: true, text: 'Check the carry.' },
    { type: 'step', step, metrics: stepMetrics(step) },
  ];
}

export const wrap = eventMessage;
