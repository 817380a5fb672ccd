/** Values derived from UiState that more than one component needs. */
import type { RolloutRecord } from '../../src/trainer/events.js';
import { METRIC } from './metric-keys.js';
import type { RunInfo, RunStatus, StepRollouts, StepRow, UiState } from './types.js';

/**
 * The step shown in the groups/trace panels: the cursor's step, from the ring of newest steps or else
 * from the steps read back from rollouts.jsonl (null while it loads); with no cursor, the newest.
 */
export function shownStep(s: UiState): StepRollouts | null {
  const ring = s.history.rollouts;
  const cursor = s.view.stepCursor;
  if (cursor === null) return ring.last() ?? null;
  for (let i = ring.size - 1; i >= 0; i--) {
    const entry = ring.at(i);
    if (entry && entry.step === cursor) return entry;
  }
  return s.browse.loaded.find((e) => e.step === cursor) ?? null;
}

/** The 0-based index of the step the groups/trace panels show (held or newest), loaded or not; null before any. */
export function shownStepNumber(s: UiState): number | null {
  return s.view.stepCursor ?? s.history.rollouts.last()?.step ?? null;
}

const browsableCache = new WeakMap<readonly number[], { ring: unknown; steps: number[] }>();

/** Every step the groups/trace panels can show, ascending: those in rollouts.jsonl and those kept in memory. */
export function browsableSteps(s: UiState): readonly number[] {
  const disk = s.browse.diskSteps;
  const ring = s.history.rollouts;
  const cached = browsableCache.get(disk);
  if (cached && cached.ring === ring) return cached.steps;
  const extra: number[] = [];
  for (let i = 0; i < ring.size; i++) {
    const step = ring.at(i)!.step;
    if (!hasStep(disk, step)) extra.push(step);
  }
  const steps = extra.length === 0 ? [...disk] : [...new Set([...disk, ...extra])].sort((a, b) => a - b);
  browsableCache.set(disk, { ring, steps });
  return steps;
}

/** Binary search in an ascending list. */
function hasStep(steps: readonly number[], step: number): boolean {
  let lo = 0;
  let hi = steps.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid] === step) return true;
    if (steps[mid]! < step) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}

const groupCache = new WeakMap<StepRollouts, RolloutRecord[][]>();

/** The shown step's rollouts as groups (by group number), each ordered by sample number. */
export function groupsOf(entry: StepRollouts | null): RolloutRecord[][] {
  if (!entry) return [];
  const cached = groupCache.get(entry);
  if (cached) return cached;
  const byGroup = new Map<number, RolloutRecord[]>();
  for (const r of entry.rollouts) {
    const g = byGroup.get(r.group);
    if (g) g.push(r);
    else byGroup.set(r.group, [r]);
  }
  const groups = [...byGroup.entries()].sort((a, b) => a[0] - b[0]).map(([, rs]) => rs.sort((a, b) => a.sample - b.sample));
  groupCache.set(entry, groups);
  return groups;
}

const clampIndex = (i: number, n: number) => (n === 0 ? 0 : Math.min(Math.max(0, i), n - 1));

export interface Selection {
  step: StepRollouts | null;
  groups: RolloutRecord[][];
  /** Clamped indices into `groups` and into the selected group. */
  groupIndex: number;
  sampleIndex: number;
  group: RolloutRecord[];
  rollout: RolloutRecord | null;
}

export function selection(s: UiState): Selection {
  const step = shownStep(s);
  const groups = groupsOf(step);
  const groupIndex = clampIndex(s.view.group, groups.length);
  const group = groups[groupIndex] ?? [];
  const sampleIndex = clampIndex(s.view.sample, group.length);
  return { step, groups, groupIndex, sampleIndex, group, rollout: group[sampleIndex] ?? null };
}

export function selectedRollout(s: UiState): RolloutRecord | null {
  return selection(s).rollout;
}

/**
 * Metrics the run's config switches off, whose chart says 'off' rather than '–' while they stay unreported:
 * `kl` with grpo.beta 0 (no reference model, so no KL is computed). A beta set later shows its values.
 */
export function offMetrics(s: UiState | null): string[] {
  const grpo = (s?.run?.config as { grpo?: { beta?: unknown } } | null | undefined)?.grpo;
  return grpo?.beta === 0 ? [METRIC.kl] : [];
}

/** Steps finished when this process stops: --max-steps (run-start's stopAt), else the run's total. */
export const lastStepOf = (run: RunInfo): number => run.stopAt ?? run.totalSteps;

export function runStatus(s: UiState): RunStatus {
  const evaluating = s.evals.some((j) => j.status === 'running');
  const idle = s.status === 'paused' || s.status === 'stopped' || s.status === 'waiting';
  return evaluating && idle ? 'evaluating' : s.status;
}

/** One metric over the kept steps, oldest first; null where the step did not report it. */
export function metricSeries(rows: readonly StepRow[], metric: string): (number | null)[] {
  return rows.map((r) => {
    const v = r.metrics[metric];
    return typeof v === 'number' ? v : null;
  });
}

export function latestMetric(rows: readonly StepRow[], metric: string): number | null {
  for (let i = rows.length - 1; i >= 0; i--) {
    const v = rows[i]!.metrics[metric];
    if (typeof v === 'number') return v;
  }
  return null;
}

export function warningCount(s: UiState): number {
  let n = 0;
  const ring = s.history.notices;
  for (let i = 0; i < ring.size; i++) if (ring.at(i)!.level !== 'info') n++;
  return n;
}

/**
 * The number shown for a 0-based group or sample index (rollouts.jsonl, annotations.jsonl and events keep
 * 0-based indices): the screen counts groups and samples from 1, as it counts steps (stepNumber).
 */
export const ordinal = (index: number): number => index + 1;

/** Local wall-clock time of `ms` as HH:MM, for "since 14:02". */
export function clockTime(ms: number): string {
  const t = new Date(ms);
  return `${String(t.getHours()).padStart(2, '0')}:${String(t.getMinutes()).padStart(2, '0')}`;
}
