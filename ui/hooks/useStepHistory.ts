/**
 * Every step of the run for the groups/trace panels, not only the newest ones kept in memory: owns a
 * reader of the run folder's rollouts.jsonl (ui/history/rollout-file.ts), indexes what the file gained
 * whenever a step arrives (only the new bytes are read), and when the view holds a step that is in
 * neither the ring nor the loaded cache, reads that one step and hands it to the state.
 * Works the same for the live dashboard and `thinktune watch`: both learn the folder from run-start.
 */
import { join } from 'node:path';
import { useEffect, useMemo } from 'react';
import type { RolloutRecord } from '../../src/trainer/events.js';
import { stepNumber } from '../format.js';
import { RolloutFile } from '../history/rollout-file.js';
import { shownStep } from '../state/selectors.js';
import type { UiAction, UiState } from '../state/types.js';

export function useStepHistory(state: UiState, dispatch: (a: UiAction) => void, now: () => number): void {
  const runDir = state.run?.runDir ?? null;
  const file = useMemo(() => (runDir === null ? null : new RolloutFile(join(runDir, 'rollouts.jsonl'))), [runDir]);
  const warn = (text: string) => dispatch({ type: 'notice', notice: { at: now(), level: 'warning', source: 'ui', text } });

  // A new step (or a run-start, which may follow a rewrite of the file) is when the file has grown.
  const newest = state.history.rollouts.last()?.step ?? null;
  const run = state.run;
  useEffect(() => {
    if (!file || !run) return;
    try {
      // After a run-start the state's list was reset or trimmed: send the index even if unchanged.
      if (file.refresh() || file.steps() !== indexed.get(run)) {
        indexed.set(run, file.steps());
        dispatch({ type: 'history-index', steps: file.steps() });
      }
    } catch (err) {
      warn(`${file.path}: steps not indexed: ${messageOf(err)}`);
    }
    // `newest` and `stepsDone` are not read: they say when to look at the file again.
  }, [file, run, newest, state.stepsDone, dispatch]);

  const held = state.view.stepCursor;
  const missing = held !== null && shownStep(state) === null;
  useEffect(() => {
    if (!file || !missing || held === null) return;
    let rollouts: RolloutRecord[] = [];
    try {
      const got = file.load(held) ?? (file.refresh(), file.load(held));
      if (got) {
        rollouts = got.rollouts;
        if (got.skipped) warn(`${file.path}: skipped ${got.skipped} unreadable line(s) of step ${stepNumber(held)}`);
      }
    } catch (err) {
      warn(`${file.path}: step ${stepNumber(held)} not read: ${messageOf(err)}`);
    }
    // Dispatched even when empty, so the held view says there is nothing rather than waiting for ever.
    dispatch({ type: 'history-step-loaded', step: held, rollouts });
  }, [file, missing, held, dispatch]);
}

/** The index last sent to the state per run-start (a new run-start object sends it again). */
const indexed = new WeakMap<object, readonly number[]>();

const messageOf = (err: unknown) => (err instanceof Error ? err.message : String(err));
