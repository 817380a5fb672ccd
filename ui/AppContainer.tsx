/**
 * Owns the dashboard state: subscribes to the worker's EventSource, validates every message at the
 * boundary (an invalid one becomes a warning), coalesces bursts into one batched reducer update per
 * `coalesceMs`, provides state and actions through contexts, handles keys, reads the run's folders
 * when a run starts (templates, earlier annotations), lends the terminal to $EDITOR, and exits when
 * a requested stop has finished.
 */
import { useApp, useStdin, useStdout } from 'ink';
import { useCallback, useEffect, useMemo, useReducer, useRef } from 'react';
import { App } from './App.js';
import { createUiActions } from './actions/ui-actions.js';
import { useKeyCommands } from './hooks/useKeyCommands.js';
import { useRunFolder } from './hooks/useRunFolder.js';
import { useStepHistory } from './hooks/useStepHistory.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { resolveKeymap } from './keys.js';
import { planLayout } from './layout.js';
import { memoryPreferences, type PrefsStore } from './prefs.js';
import { parseWorkerMessage } from './protocol.js';
import { UiActionsContext, UiStateContext } from './providers/contexts.js';
import { initialUiState } from './state/initial.js';
import { uiReducer } from './state/reducer.js';
import type { Annotation, UiAction, UiState } from './state/types.js';
import type { EvalLauncher, EventSource } from './sources/types.js';
import { openInEditor } from './templates/edit.js';
import { detectDisplay } from './terminal.js';

/** Clear the screen and its scrollback and home the cursor: what an editor leaves behind goes. */
const CLEAR_SCREEN = '\u001b[2J\u001b[3J\u001b[H';

export interface AppContainerProps {
  source: EventSource;
  /** Preferences (default: defaults kept in memory); a load error is shown as a warning. */
  prefs?: PrefsStore;
  /** Environment for NO_COLOR / THINKTUNE_ASCII / TERM (default process.env). */
  env?: Record<string, string | undefined>;
  evalLauncher?: EvalLauncher;
  /** Persist an annotation (e.g. append it to the run folder's annotations.jsonl). */
  onAnnotation?: (annotation: Annotation, state: UiState) => void;
  /** Called once when the dashboard exits (after q and the trainer's 'done'). */
  onExit?: () => void;
  /** Longest a worker message waits before it is rendered, in ms (default 50: at most 20 updates/s). */
  coalesceMs?: number;
  now?: () => number;
}

export function AppContainer({
  source,
  prefs: prefsProp,
  env = process.env,
  evalLauncher,
  onAnnotation,
  onExit,
  coalesceMs = 50,
  now = Date.now,
}: AppContainerProps) {
  const prefs = useMemo(() => prefsProp ?? memoryPreferences(), [prefsProp]);
  const keymap = useMemo(() => resolveKeymap(prefs.prefs.keys), [prefs]);
  const [state, dispatch] = useReducer(uiReducer, undefined, () => startState(prefs, keymap.errors, env, now(), Boolean(source.watching)));
  const stateRef = useRef(state);
  stateRef.current = state;
  const size = useTerminalSize();
  const sizeRef = useRef(size);
  sizeRef.current = size;
  const { exit } = useApp();
  const exited = useRef(false);
  const leave = useCallback(() => {
    if (exited.current) return;
    exited.current = true;
    onExit?.();
    exit();
  }, [exit, onExit]);

  // Coalescing: worker messages queue here and reach the reducer as one batch per tick.
  const queue = useRef<UiAction[]>([]);
  const timer = useRef<NodeJS.Timeout | null>(null);
  const receive = useCallback(
    (raw: unknown) => {
      const parsed = parseWorkerMessage(raw);
      const at = now();
      queue.current.push(parsed.ok ? { type: 'message', msg: parsed.msg, at } : { type: 'invalid-message', error: parsed.error, at });
      timer.current ??= setTimeout(() => {
        timer.current = null;
        const actions = queue.current;
        queue.current = [];
        dispatch({ type: 'batch', actions });
      }, coalesceMs);
    },
    [coalesceMs, now],
  );
  useEffect(() => {
    const unsubscribe = source.subscribe(receive);
    return () => {
      unsubscribe();
      if (timer.current) clearTimeout(timer.current);
      timer.current = null;
    };
  }, [source, receive]);

  useRunFolder(state.run, dispatch, now);
  useStepHistory(state, dispatch, now);

  // $EDITOR gets the terminal: Ink lets go of raw mode while it runs (openInEditor), then the screen
  // is cleared and Ink redraws its last frame (useStdout's write repaints it after the text).
  const { setRawMode, stdin } = useStdin();
  const { write } = useStdout();
  const editFile = useCallback(
    async (file: string) => {
      try {
        return await openInEditor(file, { setRawMode, stdin });
      } finally {
        write(CLEAR_SCREEN);
      }
    },
    [setRawMode, stdin, write],
  );

  // The keys of one stdin read (a chunk split by Ink and by ui/hooks/useKeyCommands.ts) are all
  // handled before React renders again, so stateRef, set on render, would show every key the state
  // from before the chunk: 'jjg' would mark the first sample, ':set x\r' run an empty line. So that
  // each key sees what the one before it did, an action sent through `actions` also advances
  // stateRef at once; the reducer is pure, so the render that follows arrives at the same state.
  const dispatchNow = useCallback((action: UiAction) => {
    stateRef.current = uiReducer(stateRef.current, action);
    dispatch(action);
  }, []);

  const actions = useMemo(
    () =>
      createUiActions({
        dispatch: dispatchNow,
        getState: () => stateRef.current,
        source,
        now,
        exit: leave,
        pageSize: () => Math.max(1, planLayout(sizeRef.current.columns, sizeRef.current.rows, stateRef.current.display.layout).panelHeight - 1),
        evalLauncher,
        onAnnotation,
        receive,
        editFile,
        changeDisplay(patch) {
          const saveError = prefs.update(patch);
          if (saveError) dispatch({ type: 'notice', notice: { at: now(), level: 'warning', source: 'prefs', text: saveError } });
          return detectDisplay(env, prefs.prefs);
        },
      }),
    [dispatchNow, source, now, leave, evalLauncher, onAnnotation, receive, editFile, prefs, env],
  );
  useKeyCommands(keymap.bindings, actions, stateRef);

  // q sent a stop with save; leave once the trainer says the run is over.
  useEffect(() => {
    if (state.quitting && (state.status === 'stopped' || state.status === 'crashed')) leave();
  }, [state.quitting, state.status, leave]);

  return (
    <UiStateContext.Provider value={state}>
      <UiActionsContext.Provider value={actions}>
        <App bindings={keymap.bindings} />
      </UiActionsContext.Provider>
    </UiStateContext.Provider>
  );
}

function startState(prefs: PrefsStore, keymapErrors: string[], env: Record<string, string | undefined>, at: number, watching: boolean): UiState {
  const problems = [...(prefs.error ? [prefs.error] : []), ...keymapErrors];
  return uiReducer(
    { ...initialUiState(detectDisplay(env, prefs.prefs)), watching },
    {
      type: 'batch',
      actions: problems.map((text) => ({ type: 'notice', notice: { at, level: 'warning', source: 'prefs', text } })),
    },
  );
}
