/**
 * What the named commands (ui/keys.ts) and the ':' command line do: dispatch UI actions, send
 * TrainCommands to the worker, start evaluations, record annotations, save preferences.
 * Built once by AppContainer; reads the newest state through `getState`.
 */
import type { TrainCommand } from '../src/trainer/events.js';
import { parseCommandLine, type CommandLineEffect } from './commands.js';
import type { CommandName } from './keys.js';
import { selectedRollout } from './state/selectors.js';
import type { Annotation, DisplaySettings, Notice, UiAction, UiState } from './state/types.js';
import type { EvalLauncher, EventSource } from './sources/types.js';

export interface UiActions {
  dispatch(action: UiAction): void;
  /** Send a command to the worker; a failure to send becomes an error notice. */
  send(command: TrainCommand): void;
  run(command: CommandName): void;
  submitCommandLine(text: string): void;
}

export interface UiActionDeps {
  dispatch(action: UiAction): void;
  getState(): UiState;
  source: EventSource;
  now(): number;
  /** Leave the dashboard now. */
  exit(): void;
  /** Lines a page-up/down moves (the panel's height). */
  pageSize(): number;
  evalLauncher?: EvalLauncher;
  /** Where annotations go besides the state (the run folder). */
  onAnnotation?: (annotation: Annotation, state: UiState) => void;
  /** Save display preferences and return the new display settings (env rules applied). */
  changeDisplay(patch: Partial<Pick<DisplaySettings, 'ascii' | 'theme' | 'layout'>>): DisplaySettings;
  /** Validated worker messages from eval children go back into the reducer through here. */
  receive(raw: unknown): void;
}

export function createUiActions(deps: UiActionDeps): UiActions {
  const { dispatch, getState, now } = deps;
  let evalCount = 0;
  let annotationCount = 0;
  const notice = (level: Notice['level'], text: string) => dispatch({ type: 'notice', notice: { at: now(), level, source: 'ui', text } });

  const send = (command: TrainCommand) => {
    try {
      deps.source.send(command);
      dispatch({ type: 'command-sent', command, at: now() });
    } catch (err) {
      notice('error', `could not send ${command.type} to the trainer: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const quit = () => {
    const s = getState();
    const idle = s.status === 'waiting' || s.status === 'stopped' || s.status === 'crashed';
    if (s.quitting || idle) {
      deps.exit();
      return;
    }
    send({ type: 'stop', save: true });
    dispatch({ type: 'quit', at: now() });
  };

  const startEval = (model: string, data: string) => {
    const request = { id: `eval-${Date.now().toString(36)}-${++evalCount}`, model, data };
    dispatch({ type: 'eval-requested', request, available: Boolean(deps.evalLauncher), at: now() });
    try {
      deps.evalLauncher?.start(request, deps.receive);
    } catch (err) {
      deps.receive({ v: 1, kind: 'eval', event: { type: 'eval-error', id: request.id, error: err instanceof Error ? err.message : String(err) } });
    }
  };

  const annotate = (target: Annotation['target'], verdict: Annotation['verdict'], note = '') => {
    const s = getState();
    const r = selectedRollout(s);
    if (!r) return notice('warning', 'no rollout selected to mark; wait for a step to finish');
    if (target === 'feedback' && !r.guided) return notice('warning', 'this rollout got no teacher feedback; g/b mark its trace instead');
    const annotation: Annotation = {
      id: `${now().toString(36)}-${++annotationCount}`,
      time: new Date(now()).toISOString(),
      step: r.step,
      group: r.group,
      sample: r.sample,
      target,
      verdict,
      note,
      templateVersion: r.templateVersion,
    };
    dispatch({ type: 'annotate', annotation });
    try {
      deps.onAnnotation?.(annotation, s);
    } catch (err) {
      notice('error', `could not save the mark: ${err instanceof Error ? err.message : String(err)}`);
    }
  };

  const applyEffect = (effect: CommandLineEffect) => {
    switch (effect.kind) {
      case 'send':
        return send(effect.command);
      case 'eval':
        return startEval(effect.model, effect.data);
      case 'quit':
        return quit();
      case 'help':
        return dispatch({ type: 'overlay', overlay: 'help' });
      case 'mark':
        return annotate(effect.target, effect.verdict, effect.note);
      case 'display':
        return dispatch({ type: 'display', patch: deps.changeDisplay(effect.patch) });
    }
  };

  const run = (command: CommandName) => {
    const s = getState();
    switch (command) {
      case 'toggle-pause':
        if (s.status === 'running') return send({ type: 'pause' });
        if (s.status === 'paused') return send({ type: 'resume' });
        return notice('warning', `nothing to pause or resume: the run is ${s.status}`);
      case 'step-once':
        if (s.status === 'paused') return send({ type: 'step-once' });
        return notice('warning', 's runs one step while paused; press p to pause first');
      case 'next-panel':
        return dispatch({ type: 'focus', to: 'next' });
      case 'prev-panel':
        return dispatch({ type: 'focus', to: 'prev' });
      case 'help':
        return dispatch({ type: 'overlay', overlay: s.view.overlay === 'help' ? 'none' : 'help' });
      case 'close':
        return dispatch({ type: 'overlay', overlay: 'none' });
      case 'command-line':
        return dispatch({ type: 'overlay', overlay: 'command' });
      case 'quit':
        return quit();
      case 'select-up':
        return dispatch({ type: 'move', delta: -1 });
      case 'select-down':
        return dispatch({ type: 'move', delta: 1 });
      case 'page-up':
        return dispatch({ type: 'move', delta: -deps.pageSize() });
      case 'page-down':
        return dispatch({ type: 'move', delta: deps.pageSize() });
      case 'prev-group':
        return dispatch({ type: 'group-cursor', delta: -1 });
      case 'next-group':
        return dispatch({ type: 'group-cursor', delta: 1 });
      case 'prev-sample':
        return dispatch({ type: 'sample-cursor', delta: -1 });
      case 'next-sample':
        return dispatch({ type: 'sample-cursor', delta: 1 });
      case 'older-step':
        return dispatch({ type: 'step-cursor', delta: -1 });
      case 'newer-step':
        return dispatch({ type: 'step-cursor', delta: 1 });
      case 'follow-latest':
        return dispatch({ type: 'step-cursor', delta: 0 });
      case 'mark-good':
        return annotate('trace', 'good');
      case 'mark-bad':
        return annotate('trace', 'bad');
      case 'mark-feedback-good':
        return annotate('feedback', 'good');
      case 'mark-feedback-bad':
        return annotate('feedback', 'bad');
      case 'reload-templates':
        return send({ type: 'reload-templates' });
      case 'new-eval':
        return dispatch({ type: 'overlay', overlay: 'command', text: 'eval ' });
      case 'cancel-eval': {
        const active = s.evals.filter((j) => j.status === 'queued' || j.status === 'running');
        if (!active.length) return notice('info', 'no evaluation is queued or running');
        if (!deps.evalLauncher) return notice('warning', 'no evaluator is attached; nothing to cancel');
        for (const j of active) deps.evalLauncher.cancel(j.id);
        return;
      }
    }
  };

  const submitCommandLine = (text: string) => {
    dispatch({ type: 'overlay', overlay: 'none' });
    if (text.trim() === '') return;
    const parsed = parseCommandLine(text);
    if (!parsed.ok) return notice('warning', parsed.error);
    applyEffect(parsed.effect);
  };

  return { dispatch, send, run, submitCommandLine };
}
