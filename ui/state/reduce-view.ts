/** Focus, overlays and selection: what the keys move. Every index is clamped to what exists. */
import type { RolloutRecord, TrainEvent } from '../../src/trainer/events.js';
import { changeFilter, tableRows, type FilterChange } from './completion-filter.js';
import type { Draft } from './draft.js';
import { CAPACITY } from './initial.js';
import { browsableSteps, groupsOf, selection, shownStep, shownStepNumber } from './selectors.js';
import { PANELS, type PanelId, type StepRollouts, type ViewState } from './types.js';

const clamp = (x: number, lo: number, hi: number) => Math.min(Math.max(x, lo), Math.max(lo, hi));

export function applyFocus(d: Draft, to: PanelId | 'next' | 'prev'): void {
  const i = PANELS.indexOf(d.s.view.focus);
  const n = PANELS.length;
  const focus = to === 'next' ? PANELS[(i + 1) % n]! : to === 'prev' ? PANELS[(i - 1 + n) % n]! : to;
  d.s.view = { ...d.s.view, focus };
}

/** Move the focused panel's selection by `delta` rows (scroll for the trace and the log). */
export function applyMove(d: Draft, delta: number): void {
  const s = d.s;
  const v = s.view;
  switch (v.focus) {
    case 'groups':
      applySampleCursor(d, delta);
      return;
    case 'trace': {
      // The inspector wraps text to its width, which the state does not know; the text length in
      // characters bounds the wrapped line count, and the inspector clamps what it draws.
      const limit = selection(s).rollout?.text.length ?? 0;
      const traceScroll = clamp(v.traceScroll + delta, 0, limit);
      s.view = { ...v, traceScroll, ...holdIf(d, traceScroll !== v.traceScroll) };
      return;
    }
    case 'templates':
      s.view = { ...v, template: clamp(v.template + delta, 0, s.templates.files.length - 1) };
      return;
    case 'annotations':
      s.view = { ...v, annotation: clamp(v.annotation + delta, 0, s.history.annotations.size - 1) };
      return;
    case 'log': {
      // Down (+) goes towards the newest entry, which is scroll 0.
      const entries = s.history.notices.size + s.history.feedback.size;
      s.view = { ...v, logScroll: clamp(v.logScroll - delta, 0, entries - 1) };
      return;
    }
    case 'eval':
      s.view = { ...v, evalJob: clamp(v.evalJob + delta, 0, s.evals.length - 1) };
      return;
    case 'teacher': {
      const guided = (selection(s).step?.rollouts ?? []).filter((r) => r.guided && r.teacherSpan !== null).length;
      const effectRow = clamp(v.effectRow + delta, 0, guided - 1);
      s.view = { ...v, effectRow, ...holdIf(d, effectRow !== v.effectRow) };
      return;
    }
    case 'completions': {
      // From the row drawn (a step with fewer rows clamps it), not from a stale larger index.
      const last = tableRows(selection(s).step, v.tableFilter).length - 1;
      const tableRow = clamp(clamp(v.tableRow, 0, last) + delta, 0, last);
      s.view = { ...v, tableRow, ...holdIf(d, tableRow !== v.tableRow) };
      return;
    }
  }
}

/** A new filter lists other rows: the cursor goes back to the first. */
export function applyTableFilter(d: Draft, change: FilterChange): void {
  d.s.view = { ...d.s.view, tableFilter: changeFilter(d.s.view.tableFilter, change), tableRow: 0 };
}

/**
 * Enter on a completion table row: the trace inspector on that rollout (its whole text, which the
 * table's cells cut), with the groups panel's selection moved to it.
 */
export function applyShowRollout(d: Draft, group: number, sample: number): void {
  const groups = groupsOf(shownStep(d.s));
  const g = groups.findIndex((rs) => rs[0]?.group === group);
  if (g < 0) return;
  const i = groups[g]!.findIndex((r) => r.sample === sample);
  if (i < 0) return;
  d.s.view = { ...d.s.view, focus: 'trace', group: g, sample: i, traceScroll: 0, ...holdIf(d, true) };
}

export function applySampleCursor(d: Draft, delta: number): void {
  const sel = selection(d.s);
  const sample = clamp(sel.sampleIndex + delta, 0, sel.group.length - 1);
  d.s.view = { ...d.s.view, group: sel.groupIndex, sample, traceScroll: 0, ...holdIf(d, sample !== sel.sampleIndex) };
}

export function applyGroupCursor(d: Draft, delta: number): void {
  const sel = selection(d.s);
  const group = clamp(sel.groupIndex + delta, 0, sel.groups.length - 1);
  const sample = clamp(sel.sampleIndex, 0, (sel.groups[group]?.length ?? 1) - 1);
  d.s.view = { ...d.s.view, group, sample, traceScroll: 0, ...holdIf(d, group !== sel.groupIndex || sample !== sel.sampleIndex) };
}

/**
 * Scrolling the trace or moving the selection on the newest step marks it as being read: the next step
 * to arrive then holds the view here rather than replacing it (browseBeforeEvent; f follows again).
 */
function holdIf(d: Draft, moved: boolean): Partial<ViewState> {
  return moved && d.s.view.stepCursor === null ? { readingNewest: true } : {};
}

/**
 * Older (-1) / newer (+1) step in the groups and trace panels, over every step of the run (rollouts.jsonl
 * and the ring of newest steps); 0, or reaching the newest, follows new steps. `[` on the oldest stays.
 */
export function applyStepCursor(d: Draft, delta: number): void {
  const s = d.s;
  const steps = browsableSteps(s);
  const current = shownStepNumber(s);
  if (delta === 0 || steps.length === 0 || current === null) {
    s.view = { ...s.view, stepCursor: null, atOldest: false, readingNewest: false, traceScroll: 0, effectRow: 0 };
    return;
  }
  const i = indexAtOrBelow(steps, current);
  if (delta < 0 && i <= 0) {
    s.view = { ...s.view, stepCursor: steps[0]!, atOldest: true, readingNewest: false };
    return;
  }
  const target = steps[clamp(i + delta, 0, steps.length - 1)]!;
  const newest = s.history.rollouts.last()?.step;
  const follow = newest !== undefined && target >= newest;
  s.view = { ...s.view, stepCursor: follow ? null : target, atOldest: false, readingNewest: false, traceScroll: 0, effectRow: 0 };
  touchLoaded(d, target);
  // Keep the same group and sample position so one prompt can be compared across steps (a step still
  // to be read from the file is clamped by `selection` once it is there).
  const entry = shownStep(s);
  if (!entry) return;
  const groups = groupsOf(entry);
  const group = clamp(s.view.group, 0, groups.length - 1);
  const tableRow = clamp(s.view.tableRow, 0, tableRows(entry, s.view.tableFilter).length - 1);
  s.view = { ...s.view, group, sample: clamp(s.view.sample, 0, (groups[group]?.length ?? 1) - 1), tableRow };
}

/** Index of the last step <= `step` in an ascending list (-1 when all are greater). */
function indexAtOrBelow(steps: readonly number[], step: number): number {
  let lo = 0;
  let hi = steps.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (steps[mid]! <= step) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

/** Mark a loaded step as just shown: the cache drops the least recently shown first. */
function touchLoaded(d: Draft, step: number): void {
  const loaded = d.s.browse.loaded;
  const i = loaded.findIndex((e) => e.step === step);
  if (i < 0 || i === loaded.length - 1) return;
  d.s.browse = { ...d.s.browse, loaded: [...loaded.slice(0, i), ...loaded.slice(i + 1), loaded[i]!] };
}

export function applyHistoryIndex(d: Draft, steps: readonly number[]): void {
  d.s.browse = { ...d.s.browse, diskSteps: steps };
}

/** A step read from rollouts.jsonl: kept in the small cache of loaded steps (replacing an older read of it). */
export function applyHistoryStepLoaded(d: Draft, step: number, rollouts: RolloutRecord[]): void {
  keepLoaded(d, { step, rollouts });
}

function keepLoaded(d: Draft, entry: StepRollouts): void {
  const others = d.s.browse.loaded.filter((e) => e.step !== entry.step);
  d.s.browse = { ...d.s.browse, loaded: [...others, entry].slice(-CAPACITY.browsedSteps) };
}

/**
 * Before a trainer event changes the history: a new step holds the view at the newest step if that is
 * being read (selection moved, trace scrolled); a held step about to leave the ring of newest steps is
 * kept in the loaded cache (it stays on screen without a read of the file); a run-start of another run
 * folder forgets the browsed steps, and one resuming this folder those it will redo.
 */
export function browseBeforeEvent(d: Draft, e: TrainEvent): void {
  const s = d.s;
  if (e.type === 'rollouts') {
    const ring = s.history.rollouts;
    const last = ring.last();
    if (!last || last.step === e.step) return; // more groups of the newest step
    if (s.view.stepCursor === null && s.view.readingNewest) s.view = { ...s.view, stepCursor: last.step, readingNewest: false };
    const oldest = ring.at(0);
    if (ring.size === ring.capacity && oldest && oldest.step === s.view.stepCursor) keepLoaded(d, oldest);
    return;
  }
  if (e.type !== 'run-start') return;
  s.view = { ...s.view, atOldest: false, readingNewest: false };
  const sameFolder = s.run !== null && s.run.runDir === e.runDir;
  s.browse = sameFolder
    ? { diskSteps: s.browse.diskSteps.filter((step) => step < e.startStep), loaded: s.browse.loaded.filter((x) => x.step < e.startStep) }
    : { diskSteps: [], loaded: [] };
}
