/** How each TrainEvent from the training worker changes the dashboard state. */
import type { StepMetrics, TrainEvent } from '../../src/trainer/events.js';
import { etaSeconds, isStepTime } from '../../src/trainer/pace.js';
import type { Draft } from './draft.js';
import { CAPACITY } from './initial.js';
import { METRIC } from './metric-keys.js';
import { applyTemplates } from './reduce-templates.js';
import type { Perf } from './types.js';

export function applyTrainEvent(d: Draft, e: TrainEvent, at: number): void {
  const s = d.s;
  switch (e.type) {
    case 'run-start': {
      // The same run folder resumed from a checkpoint (R after a crash) continues this window's history;
      // any other run-start is a new run whose history is not comparable with the old one.
      const continues = s.run !== null && e.resumedFrom !== null && e.runDir === s.run.runDir;
      s.run = {
        name: e.runName,
        runDir: e.runDir,
        totalSteps: e.totalSteps,
        startStep: e.startStep,
        backend: e.backend,
        backendReason: e.backendReason,
        resumedFrom: e.resumedFrom,
        config: e.config,
      };
      s.status = 'running';
      s.statusReason = null;
      s.stepsDone = e.startStep; // a count, like `done` and `checkpoint` carry
      s.activeStep = null;
      s.stepStartedAt = null;
      s.perf = { tokensPerS: null, stepTimeS: null, etaS: null, numTensors: null, memoryMb: null, guidancePct: null };
      if (continues) dropStepsFrom(d, e.startStep);
      else for (const k of ['steps', 'rollouts', 'feedback', 'stepTimes'] as const) d.clear(k);
      // The trainer's template store starts again at version 1; the files listed stay, their badges go.
      s.templates = { ...s.templates, version: null, files: s.templates.files.map((f) => ({ ...f, pending: false, pendingHash: null })) };
      s.view = { ...s.view, stepCursor: null, group: 0, sample: 0, traceScroll: 0 };
      const resumed = e.resumedFrom ? `, resumed from ${e.resumedFrom}` : '';
      d.notice(at, 'info', 'trainer', `run ${e.runName} started on ${e.backend} (${e.backendReason})${resumed}`);
      return;
    }
    case 'step-start':
      s.activeStep = e.step;
      s.stepStartedAt = at;
      if (s.status === 'waiting') s.status = 'running';
      return;
    case 'rollouts': {
      const ring = d.ring('rollouts');
      const last = ring.last();
      if (last && last.step === e.step) {
        // The trainer may send a step's groups in several messages; keep them together.
        ring.replaceLast({ step: e.step, rollouts: [...last.rollouts, ...e.rollouts].slice(0, CAPACITY.rolloutsPerStep) });
      } else {
        ring.push({ step: e.step, rollouts: e.rollouts.slice(0, CAPACITY.rolloutsPerStep) });
      }
      return;
    }
    case 'teacher-feedback':
      d.push('feedback', { at, step: e.step, group: e.group, sample: e.sample, style: e.style, ok: e.ok, text: e.text });
      return;
    case 'step':
      applyStep(d, e.step, e.metrics, at);
      return;
    case 'checkpoint':
      s.lastCheckpoint = { step: e.step, path: e.path };
      d.notice(at, 'info', 'trainer', `checkpoint at step ${e.step}: ${e.path}`);
      return;
    case 'templates':
      applyTemplates(d, e.version, e.changed, e.error, at);
      return;
    case 'setting':
      if (e.ok) d.notice(at, 'info', 'trainer', `set ${e.key} = ${showValue(e.value)}`);
      else d.notice(at, 'warning', 'trainer', `set ${e.key} failed: ${e.error ?? 'rejected by the trainer'}`);
      return;
    case 'state':
      s.status = e.state;
      s.statusReason = null;
      return;
    case 'warning':
      d.notice(at, 'warning', 'trainer', e.message);
      return;
    case 'done': {
      s.status = e.reason === 'nan' ? 'crashed' : 'stopped';
      s.statusReason =
        e.reason === 'completed' ? 'completed all steps' : e.reason === 'stopped' ? 'stopped on request' : `loss became NaN at step ${e.step}`;
      s.activeStep = null;
      s.stepsDone = e.step;
      d.notice(at, e.reason === 'nan' ? 'error' : 'info', 'trainer', `run ${s.statusReason}`);
      return;
    }
    case 'fatal':
      s.status = 'crashed';
      s.statusReason = e.message;
      s.activeStep = null;
      d.notice(at, 'error', 'trainer', e.message);
      return;
  }
}

function applyStep(d: Draft, step: number, metrics: StepMetrics, at: number): void {
  const s = d.s;
  d.push('steps', { step, metrics, at });
  const reported = numberOrNull(metrics[METRIC.stepTimeS]);
  const measured = s.stepStartedAt !== null && s.activeStep === step ? (at - s.stepStartedAt) / 1000 : null;
  const stepTimeS = reported ?? measured;
  if (isStepTime(stepTimeS)) d.push('stepTimes', stepTimeS);
  // Events carry 0-based step indices; the state counts finished steps (1 after the step with index 0).
  s.stepsDone = step + 1;
  s.activeStep = null;
  s.stepStartedAt = null;
  s.perf = nextPerf(s.perf, metrics, stepTimeS, etaSeconds(s.run ? s.run.totalSteps - s.stepsDone : null, d.s.history.stepTimes.toArray()));
}

function nextPerf(prev: Perf, m: StepMetrics, stepTimeS: number | null, etaS: number | null): Perf {
  const pick = (key: string, old: number | null) => numberOrNull(m[key]) ?? old;
  return {
    tokensPerS: pick(METRIC.tokensPerS, prev.tokensPerS),
    stepTimeS: stepTimeS ?? prev.stepTimeS,
    etaS: etaS ?? prev.etaS,
    numTensors: pick(METRIC.numTensors, prev.numTensors),
    memoryMb: scaled(numberOrNull(m[METRIC.memoryBytes]), 1 / 2 ** 20) ?? prev.memoryMb,
    guidancePct: scaled(numberOrNull(m[METRIC.guidanceFraction]), 100) ?? prev.guidancePct,
  };
}

/** Forget steps >= `from`: a run resumed from checkpoint step-N redoes them. */
function dropStepsFrom(d: Draft, from: number): void {
  const steps = d.s.history.steps.toArray().filter((r) => r.step < from);
  const rollouts = d.s.history.rollouts.toArray().filter((r) => r.step < from);
  const feedback = d.s.history.feedback.toArray().filter((f) => f.step < from);
  d.clear('steps');
  d.clear('rollouts');
  d.clear('feedback');
  for (const r of steps) d.push('steps', r);
  for (const r of rollouts) d.push('rollouts', r);
  for (const f of feedback) d.push('feedback', f);
}

export function numberOrNull(v: number | null | undefined): number | null {
  return typeof v === 'number' ? v : null;
}

const scaled = (v: number | null, k: number) => (v === null ? null : v * k);

function showValue(v: unknown): string {
  if (typeof v === 'string') return v;
  try {
    return JSON.stringify(v) ?? String(v);
  } catch {
    return String(v);
  }
}
