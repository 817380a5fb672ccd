/**
 * Evaluations: start one (`:eval MODEL DATA`), pick several from the list of checkpoints and data
 * sets (`:eval` alone, `e` in the eval panel), cancel the selected one (`x`). Jobs run in child
 * processes behind the EvalLauncher; their progress comes back through `receive` as EvalMessages.
 * A checkpoint picked for evaluation is marked kept (rotation leaves it), and a finished job's result
 * is appended to the run folder's evals.jsonl (ui/eval/saved.ts), whatever the launcher.
 */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EVAL_DATA_SETS, evalModelChoices } from '../eval/choices.js';
import { protectEvaluated, saveEvalResult } from '../eval/saved.js';
import { parseWorkerMessage } from '../protocol.js';
import type { EvalLauncher } from '../sources/types.js';
import { NO_EVAL_LAUNCHER } from '../state/reduce-eval.js';
import { pickedPairs } from '../state/reduce-eval-menu.js';
import { errorText, type ActionContext } from './context.js';

export interface EvalActions {
  start(model: string, data: string): void;
  openMenu(): void;
  /** Queue every picked model x data set of the open pick list and close it. */
  submitMenu(): void;
  cancelSelected(): void;
}

export function createEvalActions(ctx: ActionContext, launcher: EvalLauncher | undefined, receive: (raw: unknown) => void): EvalActions {
  const { dispatch, getState, now, notice } = ctx;
  let count = 0;

  const start = (model: string, data: string) => {
    const runDir = getState().run?.runDir;
    const promptConfig = runDir && existsSync(join(runDir, 'config.json')) ? join(runDir, 'config.json') : undefined;
    const request = { id: `eval-${Date.now().toString(36)}-${++count}`, model, data, ...(promptConfig ? { promptConfig } : {}) };
    dispatch({ type: 'eval-requested', request, available: Boolean(launcher), at: now() });
    if (!launcher) return;
    try {
      protectEvaluated(model);
    } catch (err) {
      notice('warning', `${model} is not marked kept, so checkpoint rotation may delete it: ${errorText(err)}`);
    }
    const report = (raw: unknown) => {
      receive(raw);
      const parsed = parseWorkerMessage(raw);
      if (!runDir || !parsed.ok || parsed.msg.kind !== 'eval') return;
      const e = parsed.msg.event;
      if (e.type !== 'eval-result' || e.id !== request.id) return;
      try {
        saveEvalResult(runDir, request, e.result);
      } catch (err) {
        notice('warning', `the result of ${request.id} is shown but not saved: ${errorText(err)}`);
      }
    };
    try {
      launcher.start(request, report);
    } catch (err) {
      receive({ v: 1, kind: 'eval', event: { type: 'eval-error', id: request.id, error: errorText(err) } });
    }
  };

  return {
    start,
    openMenu() {
      if (!launcher) return notice('warning', NO_EVAL_LAUNCHER);
      try {
        dispatch({ type: 'eval-menu-open', models: evalModelChoices(getState().run), data: [...EVAL_DATA_SETS] });
      } catch (err) {
        notice('error', `cannot list the checkpoints: ${errorText(err)}`);
      }
    },
    submitMenu() {
      const menu = getState().view.evalMenu;
      if (!menu) return;
      const { models, data } = pickedPairs(menu);
      if (models.length === 0) return notice('warning', 'no model to evaluate: the run has no checkpoint yet and no base model');
      const typed = data.find((d) => !EVAL_DATA_SETS.some((n) => n.value === d.value));
      if (typed && typed.value === '') return notice('warning', 'type the path of a JSONL file on the file row, or pick a named data set');
      if (typed && !existsSync(resolve(typed.value))) return notice('warning', `no such file: ${typed.value}; type the path of a JSONL file`);
      dispatch({ type: 'overlay', overlay: 'none' });
      for (const m of models) for (const d of data) start(m.value, d.value);
      dispatch({ type: 'focus', to: 'eval' });
    },
    cancelSelected() {
      const s = getState();
      const job = s.evals[Math.min(s.view.evalJob, s.evals.length - 1)];
      if (!job) return notice('info', 'no evaluation to cancel');
      if (job.status !== 'queued' && job.status !== 'running') return notice('info', `${job.id} is ${job.status}; select a queued or running job to cancel`);
      if (!launcher) return notice('warning', 'no evaluator is attached; nothing to cancel');
      launcher.cancel(job.id);
    },
  };
}
