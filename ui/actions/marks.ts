/**
 * Marking rollouts: g/b (trace) and G/B (teacher feedback) fix the selected rollout and ask for a
 * one-line note; `:mark` gives the note at once; `:export FILE` writes the run's annotations;
 * d (or x) in the annotations panel deletes the selected mark once pressed twice.
 */
import { resolve } from 'node:path';
import { deleteAnnotation, exportAnnotations } from '../annotations/store.js';
import { stepNumber } from '../format.js';
import { ordinal, selectedRollout } from '../state/selectors.js';
import type { Annotation, PendingMark, UiState } from '../state/types.js';
import { errorText, type ActionContext } from './context.js';

export interface MarkActions {
  /** g/b/G/B: open the note line for the selected rollout. */
  askNote(target: Annotation['target'], verdict: Annotation['verdict']): void;
  /** Save the mark waiting for its note (an empty note is allowed) and close the note line. */
  submitNote(note: string): void;
  /** `:mark good|bad [target] NOTE`: save at once. */
  markNow(target: Annotation['target'], verdict: Annotation['verdict'], note: string): void;
  exportMarks(file: string, format: 'csv' | 'jsonl'): void;
  /** d/x in the annotations panel: the first press asks, a second press on the same mark deletes it. */
  deleteSelected(): void;
}

/** How long a first d waits for the second that confirms it, in ms. */
export const DELETE_CONFIRM_MS = 5000;

export function createMarkActions(ctx: ActionContext, onAnnotation?: (annotation: Annotation, state: UiState) => void): MarkActions {
  const { dispatch, getState, now, notice } = ctx;
  let count = 0;
  /** The mark a first d asked about, and when. */
  let armed: { id: string; at: number } | null = null;

  /** The selected rollout as a mark, or null (with a notice saying why it cannot be marked). */
  const markFor = (target: Annotation['target'], verdict: Annotation['verdict']): PendingMark | null => {
    const r = selectedRollout(getState());
    if (!r) {
      notice('warning', 'no rollout selected to mark; wait for a step to finish');
      return null;
    }
    if (target === 'feedback' && !r.guided) {
      notice('warning', 'this rollout got no teacher feedback; g/b mark its trace instead');
      return null;
    }
    return { step: r.step, group: r.group, sample: r.sample, target, verdict, templateVersion: r.templateVersion };
  };

  const save = (m: PendingMark, note: string) => {
    const annotation: Annotation = { id: `${now().toString(36)}-${++count}`, time: new Date(now()).toISOString(), ...m, note: note.trim() };
    dispatch({ type: 'annotate', annotation });
    try {
      onAnnotation?.(annotation, getState());
    } catch (err) {
      notice('error', `could not save the mark: ${errorText(err)}`);
    }
  };

  return {
    askNote(target, verdict) {
      const m = markFor(target, verdict);
      if (m) dispatch({ type: 'note-open', mark: m });
    },
    submitNote(note) {
      const m = getState().view.pendingMark;
      dispatch({ type: 'overlay', overlay: 'none' });
      if (m) save(m, note);
    },
    markNow(target, verdict, note) {
      const m = markFor(target, verdict);
      if (m) save(m, note);
    },
    deleteSelected() {
      const s = getState();
      const marks = s.history.annotations.toArray();
      const a = marks[Math.min(Math.max(0, s.view.annotation), marks.length - 1)];
      if (!a) return notice('info', 'no mark to delete');
      const what = `s${stepNumber(a.step)} g${ordinal(a.group)} #${ordinal(a.sample)} ${a.target} ${a.verdict}`;
      if (!armed || armed.id !== a.id || now() - armed.at > DELETE_CONFIRM_MS) {
        armed = { id: a.id, at: now() };
        return notice('warning', `delete mark ${what}? press d again to delete it`);
      }
      armed = null;
      try {
        if (s.run) deleteAnnotation(s.run.runDir, a.id);
      } catch (err) {
        return notice('error', `could not delete the mark ${what}: ${errorText(err)}`);
      }
      dispatch({ type: 'annotation-deleted', id: a.id, at: now() });
    },
    exportMarks(file, format) {
      const run = getState().run;
      if (!run) return notice('warning', 'no run yet: there is no annotations file to export');
      try {
        const out = resolve(file);
        const { count: n } = exportAnnotations(run.runDir, out, format);
        // The files keep 0-based indices (s11 is step 10): say so where a person meets them.
        const base =
          format === 'csv'
            ? '; step_index, group_index and sample_index count from 0, as rollouts.jsonl does'
            : '; step, group and sample count from 0, as in rollouts.jsonl';
        notice('info', `exported ${n} annotation${n === 1 ? '' : 's'} to ${out}${base}`);
      } catch (err) {
        notice('error', `export failed: ${errorText(err)}`);
      }
    },
  };
}
