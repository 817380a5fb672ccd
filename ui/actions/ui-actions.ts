/**
 * What the named commands (ui/keys.ts) and the ':' command line do: dispatch UI actions, send
 * TrainCommands to the worker, restart a crashed trainer, save preferences; marks, evaluations and
 * template edits live beside this file (marks.ts, evals.ts, template-edit.ts). Built once by
 * AppContainer; reads the newest state through `getState`.
 */
import type { TrainCommand } from '../../src/trainer/events.js';
import { errorText, type ActionContext } from './context.js';
import { createEvalActions } from './evals.js';
import { createMarkActions } from './marks.js';
import { createTemplateEditor } from './template-edit.js';
import { parseCommandLine, type CommandLineEffect } from '../commands.js';
import { formatDuration, stepNumber } from '../format.js';
import type { CommandName } from '../keys.js';
import { tableRows } from '../state/completion-filter.js';
import { shownStep } from '../state/selectors.js';
import { PANELS, type Annotation, type DisplaySettings, type UiAction, type UiState } from '../state/types.js';
import type { EvalLauncher, EventSource } from '../sources/types.js';

export interface UiActions {
  dispatch(action: UiAction): void;
  /** Send a command to the worker; a failure to send becomes an error notice. */
  send(command: TrainCommand): void;
  run(command: CommandName): void;
  submitCommandLine(text: string): void;
  /** Save the mark waiting for its note (an empty note is allowed) and close the note line. */
  submitNote(note: string): void;
  /** Queue every picked model x data set of the eval pick list and close it. */
  submitEvalMenu(): void;
  /** Apply the '/' line as the completion table's text filter ('' removes it) and close the line. */
  submitSearch(text: string): void;
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
  /**
   * Open `file` in $EDITOR on this terminal and wait for it (ui/templates/edit.ts openInEditor with
   * Ink's raw-mode handle), then clear and redraw the screen; `changed` when the bytes differ.
   */
  editFile?(file: string): Promise<{ changed: boolean }>;
}

export function createUiActions(deps: UiActionDeps): UiActions {
  const { dispatch, getState, now } = deps;
  const notice: ActionContext['notice'] = (level, text) => dispatch({ type: 'notice', notice: { at: now(), level, source: 'ui', text } });
  const ctx: ActionContext = { dispatch, getState, now, notice };
  const marks = createMarkActions(ctx, deps.onAnnotation);
  const evals = createEvalActions(ctx, deps.evalLauncher, deps.receive);
  const editTemplate = createTemplateEditor(ctx, deps.editFile);

  /**
   * Why a command cannot reach the run, or null: a watched run that ended has nobody reading
   * control.jsonl, so say so (and how to start it again) instead of showing the state asked for.
   */
  const notReachable = (s: UiState): string | null => {
    if (!s.watching || !s.ended || !s.run) return null;
    const ago = formatDuration(Math.max(0, (now() - s.ended.at) / 1000));
    const again = s.ended.how === 'finished' ? 'commands cannot reach it' : `start it again with thinktune train --resume --run-dir ${s.run.runDir}`;
    return `the run is not running (${s.ended.how} ${ago} ago); ${again}`;
  };

  const send = (command: TrainCommand) => {
    const unreachable = notReachable(getState());
    if (unreachable) return notice('warning', unreachable);
    try {
      deps.source.send(command);
      dispatch({ type: 'command-sent', command, at: now() });
      // The trainer takes a pause at the end of the step in progress, seconds away: say it was heard.
      if (command.type === 'pause') {
        const step = getState().activeStep;
        notice('info', step === null ? 'pausing before the next step…' : `pausing after this step (step ${stepNumber(step)})…`);
      }
    } catch (err) {
      notice('error', `could not send ${command.type} to the trainer: ${errorText(err)}`);
    }
  };

  const quit = () => {
    const s = getState();
    const idle = s.status === 'waiting' || s.status === 'stopped' || s.status === 'crashed';
    // Watching a run folder: leave; the run itself goes on (`:stop` stops it).
    if (s.quitting || idle || s.watching) {
      deps.exit();
      return;
    }
    send({ type: 'stop', save: true });
    dispatch({ type: 'quit', at: now() });
  };

  const restart = () => {
    const s = getState();
    if (s.status !== 'crashed') return notice('info', `R restarts the trainer after a crash; the run is ${s.status}`);
    if (!deps.source.restart) {
      const how = s.run ? `; restart it with thinktune train --resume --run-dir ${s.run.runDir}` : '';
      return notice('warning', `this dashboard cannot start the trainer${how}`);
    }
    try {
      deps.source.restart();
      dispatch({ type: 'restarting', at: now() });
    } catch (err) {
      notice('error', `could not restart the trainer: ${errorText(err)}`);
    }
  };

  const applyEffect = (effect: CommandLineEffect) => {
    switch (effect.kind) {
      case 'send':
        return send(effect.command);
      case 'eval':
        return evals.start(effect.model, effect.data);
      case 'quit':
        return quit();
      case 'help':
        return dispatch({ type: 'overlay', overlay: 'help' });
      case 'mark':
        return marks.markNow(effect.target, effect.verdict, effect.note);
      case 'eval-menu':
        return evals.openMenu();
      case 'export':
        return marks.exportMarks(effect.file, effect.format);
      case 'display':
        return dispatch({ type: 'display', patch: deps.changeDisplay(effect.patch) });
    }
  };

  const run = (command: CommandName) => {
    const s = getState();
    switch (command) {
      case 'toggle-pause':
        if (notReachable(s)) return notice('warning', notReachable(s)!);
        if (s.status === 'running') return send({ type: 'pause' });
        if (s.status === 'paused') return send({ type: 'resume' });
        return notice('warning', `nothing to pause or resume: the run is ${s.status}`);
      case 'step-once':
        if (notReachable(s)) return notice('warning', notReachable(s)!);
        if (s.status === 'paused') return send({ type: 'step-once' });
        return notice('warning', 's runs one step while paused; press p to pause first');
      case 'next-panel':
        return dispatch({ type: 'focus', to: 'next' });
      case 'prev-panel':
        return dispatch({ type: 'focus', to: 'prev' });
      case 'panel-1':
      case 'panel-2':
      case 'panel-3':
      case 'panel-4':
      case 'panel-5':
      case 'panel-6':
      case 'panel-7':
      case 'panel-8':
        return dispatch({ type: 'focus', to: PANELS[Number(command.slice(6)) - 1]! });
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
        return marks.askNote('trace', 'good');
      case 'mark-bad':
        return marks.askNote('trace', 'bad');
      case 'mark-feedback-good':
        return marks.askNote('feedback', 'good');
      case 'mark-feedback-bad':
        return marks.askNote('feedback', 'bad');
      case 'reload-templates':
        return send({ type: 'reload-templates' });
      case 'edit-template':
        return editTemplate();
      case 'new-eval':
        return evals.openMenu();
      case 'cancel-eval':
        return evals.cancelSelected();
      case 'delete-mark':
        return marks.deleteSelected();
      case 'restart':
        return restart();
      case 'search':
        return dispatch({ type: 'overlay', overlay: 'search' });
      case 'filter-guided':
        return dispatch({ type: 'table-filter', change: { kind: 'guided' } });
      case 'filter-truncated':
        return dispatch({ type: 'table-filter', change: { kind: 'truncated' } });
      case 'filter-reward':
        return dispatch({ type: 'table-filter', change: { kind: 'reward' } });
      case 'clear-filters':
        return dispatch({ type: 'table-filter', change: { kind: 'clear' } });
      case 'open-trace': {
        const rows = tableRows(shownStep(s), s.view.tableFilter);
        const row = rows[Math.min(s.view.tableRow, rows.length - 1)];
        if (!row) return notice('info', 'no rollout selected: the table lists none');
        return dispatch({ type: 'show-rollout', group: row.group, sample: row.sample });
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

  const submitSearch = (text: string) => {
    dispatch({ type: 'overlay', overlay: 'none' });
    dispatch({ type: 'table-filter', change: { kind: 'text', text } });
  };

  return { dispatch, send, run, submitCommandLine, submitNote: marks.submitNote, submitEvalMenu: evals.submitMenu, submitSearch };
}
