/**
 * uiReducer(state, action) -> state: the one place the dashboard state changes. Pure: it never
 * mutates `state` (rings are copied on first write, see draft.ts), so React may re-run it.
 * A 'batch' action applies many coalesced worker messages with one copy of each ring.
 */
import { stepNumber } from '../format.js';
import { Draft } from './draft.js';
import { ordinal } from './selectors.js';
import { applyEvalEvent, applyEvalRequest, applyEvalsLoaded } from './reduce-eval.js';
import { editEvalMenu, openEvalMenu } from './reduce-eval-menu.js';
import { applyTemplateEdited, applyTemplatesListed } from './reduce-templates.js';
import { applyTrainEvent } from './reduce-train.js';
import {
  applyFocus,
  applyGroupCursor,
  applyHistoryIndex,
  applyHistoryStepLoaded,
  applyMove,
  applySampleCursor,
  applyShowRollout,
  applyStepCursor,
  applyTableFilter,
  browseBeforeEvent,
} from './reduce-view.js';
import type { Annotation, UiAction, UiState } from './types.js';

export function uiReducer(state: UiState, action: UiAction): UiState {
  const d = new Draft(state);
  apply(d, action);
  return d.s;
}

function apply(d: Draft, a: UiAction): void {
  const s = d.s;
  switch (a.type) {
    case 'batch':
      for (const inner of a.actions) apply(d, inner);
      return;
    case 'message':
      s.counters = { ...s.counters, messages: s.counters.messages + 1 };
      if (a.msg.kind === 'event') {
        browseBeforeEvent(d, a.msg.event);
        applyTrainEvent(d, a.msg.event, a.at);
      } else applyEvalEvent(d, a.msg.event, a.at);
      return;
    case 'invalid-message':
      s.counters = { ...s.counters, invalidMessages: s.counters.invalidMessages + 1 };
      d.notice(a.at, 'warning', 'protocol', `ignored a message from the worker: ${a.error}`);
      return;
    case 'notice':
      d.push('notices', a.notice);
      return;
    case 'command-sent':
      if (a.command.type === 'reload-templates') {
        s.templates = { ...s.templates, files: s.templates.files.map((f) => ({ ...f, pending: true })) };
      } else if (a.command.type === 'save') {
        d.notice(a.at, 'info', 'ui', 'saving a checkpoint…');
      }
      return;
    case 'focus':
      applyFocus(d, a.to);
      return;
    case 'overlay':
      // Closing or switching drops what the note prompt and the pick list held.
      s.view = {
        ...s.view,
        overlay: a.overlay,
        commandText: a.overlay === 'command' ? (a.text ?? '') : '',
        pendingMark: a.overlay === 'note' ? s.view.pendingMark : null,
        evalMenu: a.overlay === 'eval-menu' ? s.view.evalMenu : null,
        helpScroll: 0,
        commandCandidates: [],
      };
      return;
    case 'note-open':
      s.view = { ...s.view, overlay: 'note', commandText: '', pendingMark: a.mark, evalMenu: null };
      return;
    case 'eval-menu-open':
      openEvalMenu(d, a.models, a.data);
      return;
    case 'eval-menu-edit':
      editEvalMenu(d, a);
      return;
    case 'templates-listed':
      applyTemplatesListed(d, a.dir, a.files);
      return;
    case 'template-edited':
      applyTemplateEdited(d, a.name, a.error, a.hash, a.at);
      return;
    case 'restarting':
      s.status = 'waiting';
      s.statusReason = null;
      s.activeStep = null;
      d.notice(a.at, 'info', 'ui', `restarting the trainer from the newest checkpoint${s.run ? ` of ${s.run.runDir}` : ''}…`);
      return;
    case 'annotations-loaded':
      mergeAnnotations(d, a.annotations, a.at);
      return;
    case 'evals-loaded':
      applyEvalsLoaded(d, a.jobs, a.at);
      return;
    case 'command-edit': {
      let text = a.clear ? '' : s.view.commandText;
      if (a.backspace) text = [...text].slice(0, -1).join('');
      if (a.append) text += a.append;
      s.view = { ...s.view, commandText: text, commandCandidates: [] };
      return;
    }
    case 'command-complete':
      s.view = { ...s.view, commandText: a.text, commandCandidates: a.candidates };
      return;
    case 'help-scroll':
      s.view = { ...s.view, helpScroll: Math.max(0, Math.min(a.max, (s.view.helpScroll ?? 0) + a.delta)) };
      return;
    case 'annotation-deleted':
      deleteAnnotation(d, a.id, a.at);
      return;
    case 'move':
      applyMove(d, a.delta);
      return;
    case 'table-filter':
      applyTableFilter(d, a.change);
      return;
    case 'show-rollout':
      applyShowRollout(d, a.group, a.sample);
      return;
    case 'sample-cursor':
      applySampleCursor(d, a.delta);
      return;
    case 'group-cursor':
      applyGroupCursor(d, a.delta);
      return;
    case 'step-cursor':
      applyStepCursor(d, a.delta);
      return;
    case 'history-index':
      applyHistoryIndex(d, a.steps);
      return;
    case 'history-step-loaded':
      applyHistoryStepLoaded(d, a.step, a.rollouts);
      return;
    case 'eval-requested':
      applyEvalRequest(d, a.request, a.available, a.at);
      return;
    case 'annotate': {
      const x = a.annotation;
      d.push('annotations', x);
      d.notice(Date.parse(x.time), 'info', 'ui', `marked step ${stepNumber(x.step)} group ${ordinal(x.group)} #${ordinal(x.sample)} ${x.target} ${x.verdict}`);
      return;
    }
    case 'quit':
      s.quitting = true;
      d.notice(a.at, 'info', 'ui', 'stopping: saving a checkpoint, then exiting (press q again to exit now)');
      return;
    case 'display':
      s.display = { ...s.display, ...a.patch };
      return;
  }
}

/** Put annotations read from the run folder before the ones made in this window (same id: kept once). */
function mergeAnnotations(d: Draft, loaded: Annotation[], at: number): void {
  const ids = new Set(loaded.map((x) => x.id));
  const session = d.s.history.annotations.toArray().filter((x) => !ids.has(x.id));
  d.clear('annotations');
  for (const x of [...loaded, ...session]) d.push('annotations', x);
  if (loaded.length) d.notice(at, 'info', 'ui', `loaded ${loaded.length} earlier annotation${loaded.length === 1 ? '' : 's'} from the run folder`);
}

/** Drop the annotation `id` from the kept ones; the selection stays on the row below it (or the last). */
function deleteAnnotation(d: Draft, id: string, at: number): void {
  const kept = d.s.history.annotations.toArray();
  const gone = kept.find((x) => x.id === id);
  if (!gone) return;
  d.clear('annotations');
  for (const x of kept) if (x.id !== id) d.push('annotations', x);
  d.s.view = { ...d.s.view, annotation: Math.min(d.s.view.annotation, Math.max(0, kept.length - 2)) };
  d.notice(at, 'info', 'ui', `deleted mark s${stepNumber(gone.step)} g${ordinal(gone.group)} #${ordinal(gone.sample)} ${gone.target} ${gone.verdict}`);
}
