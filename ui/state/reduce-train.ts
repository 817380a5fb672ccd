/** How each TrainEvent from the training worker changes the dashboard state. */
import type { RolloutRecord, StepMetrics, TrainEvent } from '../../src/trainer/events.js';
import { countVerdicts } from '../../src/eval/teacher-effect.js';
import { etaSeconds, isStepTime } from '../../src/trainer/pace.js';
import type { Draft } from './draft.js';
import { CAPACITY } from './initial.js';
import { METRIC } from './metric-keys.js';
import { applyTemplates } from './reduce-templates.js';
import { lastStepOf } from './selectors.js';
import type { Perf, UiState } from './types.js';

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
        ...(e.stopAt !== undefined && e.stopAt < e.totalSteps ? { stopAt: e.stopAt } : {}),
      };
      s.status = 'running';
      s.ended = null;
      s.statusReason = null;
      s.stepsDone = e.startStep; // a count, like `done` and `checkpoint` carry
      s.activeStep = null;
      s.stepStartedAt = null;
      s.perf = { tokensPerS: null, stepTimeS: null, etaS: null, numTensors: null, memoryMb: null, guidancePct: null };
      if (continues) dropStepsFrom(d, e.startStep);
      else for (const k of ['steps', 'rollouts', 'feedback', 'stepTimes', 'effect'] as const) d.clear(k);
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
      addEffect(d, e.step, e.rollouts);
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
      // p only asks: the trainer pauses at the end of the step in progress; say when it has.
      // (A watcher is told 'paused' at once by its own source, not by the run: no such line there.)
      if (e.state === 'paused' && s.status !== 'paused' && !s.watching)
        d.notice(at, 'info', 'trainer', `paused after step ${s.stepsDone ?? 0}; p resumes, s runs one step`);
      s.status = e.state;
      s.statusReason = null;
      return;
    case 'warning':
      d.notice(at, 'warning', 'trainer', e.message);
      return;
    case 'done': {
      s.status = e.reason === 'nan' ? 'crashed' : 'stopped';
      s.statusReason = doneReason(e.reason, e.step, s);
      s.activeStep = null;
      s.stepsDone = e.step;
      const finished = e.reason === 'completed' && (s.run === null || e.step >= lastStepOf(s.run));
      s.ended = { how: e.reason === 'nan' ? 'crashed' : finished ? 'finished' : 'stopped', at };
      if (!finished) s.perf = { ...s.perf, etaS: null }; // nothing is running towards the end any more
      d.notice(at, e.reason === 'nan' ? 'error' : 'info', 'trainer', `run ${s.statusReason}`);
      return;
    }
    case 'fatal':
      s.status = 'crashed';
      s.statusReason = e.message;
      s.activeStep = null;
      s.ended = { how: 'crashed', at };
      s.perf = { ...s.perf, etaS: null };
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
  s.perf = nextPerf(s.perf, metrics, stepTimeS, etaSeconds(s.run ? lastStepOf(s.run) - s.stepsDone : null, d.s.history.stepTimes.toArray()));
}

function doneReason(reason: 'completed' | 'stopped' | 'nan', step: number, s: UiState): string {
  if (reason === 'nan') return `loss became NaN at step ${step}`;
  if (reason === 'completed') return s.run && step < s.run.totalSteps ? `completed --max-steps (${step} of ${s.run.totalSteps})` : 'completed all steps';
  // A watcher sees a stop in the files (a final checkpoint, run.lock gone), not who asked for it.
  return s.watching ? `stopped after step ${step}` : 'stopped on request';
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
  const effect = d.s.history.effect.toArray().filter((f) => f.step < from);
  d.clear('effect');
  for (const f of effect) d.push('effect', f);
  d.clear('steps');
  d.clear('rollouts');
  d.clear('feedback');
  for (const r of steps) d.push('steps', r);
  for (const r of rollouts) d.push('rollouts', r);
  for (const f of feedback) d.push('feedback', f);
}

/** Add a rollouts message's verdicts to its step's counts (a step may come in several messages). */
function addEffect(d: Draft, step: number, rollouts: readonly RolloutRecord[]): void {
  const c = countVerdicts(rollouts);
  const ring = d.ring('effect');
  const last = ring.last();
  if (last && last.step === step) {
    ring.replaceLast({
      step,
      guided: last.guided + c.guided,
      fixed: last.fixed + c.fixed,
      broke: last.broke + c.broke,
      'kept-right': last['kept-right'] + c['kept-right'],
      'kept-wrong': last['kept-wrong'] + c['kept-wrong'],
    });
  } else ring.push({ step, ...c });
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
