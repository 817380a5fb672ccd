/**
 * What the dashboard reads from the run's folders when it meets a run (a run-start): the prompts
 * folder's files for the templates panel (every run-start, since a restarted trainer reloads them),
 * and the annotations and evaluation results (evals.jsonl) of earlier sessions (once per run folder).
 */
import { useEffect, useRef } from 'react';
import { readAnnotations } from '../annotations/store.js';
import { readSavedEvals } from '../eval/saved.js';
import type { RunInfo, UiAction } from '../state/types.js';
import { listTemplateFiles, promptsDirOf } from '../templates/folder.js';

export function useRunFolder(run: RunInfo | null, dispatch: (a: UiAction) => void, now: () => number): void {
  useEffect(() => {
    if (!run) return;
    const dir = promptsDirOf(run.config);
    if (dir) dispatch({ type: 'templates-listed', dir, files: listTemplateFiles(dir) });
  }, [run, dispatch]);

  const loadedFor = useRef<string | null>(null);
  const runDir = run?.runDir ?? null;
  useEffect(() => {
    if (runDir === null || loadedFor.current === runDir) return;
    loadedFor.current = runDir;
    try {
      dispatch({ type: 'annotations-loaded', annotations: readAnnotations(runDir), at: now() });
    } catch (err) {
      const text = `earlier annotations not loaded: ${err instanceof Error ? err.message : String(err)}`;
      dispatch({ type: 'notice', notice: { at: now(), level: 'warning', source: 'ui', text } });
    }
    try {
      const saved = readSavedEvals(runDir);
      dispatch({ type: 'evals-loaded', jobs: saved.jobs, at: now() });
      if (saved.skipped)
        dispatch({
          type: 'notice',
          notice: { at: now(), level: 'warning', source: 'eval', text: `skipped ${saved.skipped} unreadable line(s) of ${runDir}/evals.jsonl` },
        });
    } catch (err) {
      const text = `earlier evaluation results not loaded: ${err instanceof Error ? err.message : String(err)}`;
      dispatch({ type: 'notice', notice: { at: now(), level: 'warning', source: 'eval', text } });
    }
  }, [runDir, dispatch, now]);
}
