/**
 * Marking rollouts: g/b (trace) and G/B (teacher feedback) fix the selected rollout and ask for a
 * one-line note; `:mark` gives the note at once; `:export FILE` writes the run's annotations.
 */
import { resolve } from 'node:path';
import { exportAnnotations } from '../annotations/store.js';
import { selectedRollout } from '../state/selectors.js';
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
}

export function createMarkActions(ctx: ActionContext, onAnnotation?: (annotation: Annotation, state: UiState) => void): MarkActions {
  const { dispatch, getState, now, notice } = ctx;
  let count = 0;

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
    exportMarks(file, format) {
      const run = getState().run;
      if (!run) return notice('warning', 'no run yet: there is no annotations file to export');
      try {
        const out = resolve(file);
        const { count: n } = exportAnnotations(run.runDir, out, format);
        // The files keep 0-based indices (s11 is step 10): say so where a person meets them.
        const base = format === 'csv' ? '; step_index, group_index and sample_index count from 0, as rollouts.jsonl does' : '; step, group and sample count from 0, as in rollouts.jsonl';
        notice('info', `exported ${n} annotation${n === 1 ? '' : 's'} to ${out}${base}`);
      } catch (err) {
        notice('error', `export failed: ${errorText(err)}`);
      }
    },
  };
}
