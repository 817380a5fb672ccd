/** Focus, overlays and selection: what the keys move. Every index is clamped to what exists. */
import type { Draft } from './draft.js';
import { selection, shownStepIndex, groupsOf } from './selectors.js';
import { PANELS, type PanelId } from './types.js';

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
      s.view = { ...v, traceScroll: clamp(v.traceScroll + delta, 0, limit) };
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
      s.view = { ...v, effectRow: clamp(v.effectRow + delta, 0, guided - 1) };
      return;
    }
  }
}

export function applySampleCursor(d: Draft, delta: number): void {
  const sel = selection(d.s);
  d.s.view = { ...d.s.view, group: sel.groupIndex, sample: clamp(sel.sampleIndex + delta, 0, sel.group.length - 1), traceScroll: 0 };
}

export function applyGroupCursor(d: Draft, delta: number): void {
  const sel = selection(d.s);
  const group = clamp(sel.groupIndex + delta, 0, sel.groups.length - 1);
  const sample = clamp(sel.sampleIndex, 0, (sel.groups[group]?.length ?? 1) - 1);
  d.s.view = { ...d.s.view, group, sample, traceScroll: 0 };
}

/** Older (-1) / newer (+1) step in the groups and trace panels; 0 (or reaching the newest) follows new steps. */
export function applyStepCursor(d: Draft, delta: number): void {
  const s = d.s;
  const ring = s.history.rollouts;
  if (delta === 0 || ring.size === 0) {
    s.view = { ...s.view, stepCursor: null, traceScroll: 0, effectRow: 0 };
    return;
  }
  const i = clamp(shownStepIndex(s) + delta, 0, ring.size - 1);
  const target = ring.at(i)!;
  // Keep the same group and sample position so one prompt can be compared across steps.
  const groups = groupsOf(target);
  const group = clamp(s.view.group, 0, groups.length - 1);
  s.view = {
    ...s.view,
    stepCursor: i === ring.size - 1 ? null : target.step,
    group,
    sample: clamp(s.view.sample, 0, (groups[group]?.length ?? 1) - 1),
    traceScroll: 0,
    effectRow: 0,
  };
}
