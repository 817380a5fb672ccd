/**
 * What the dashboard reads from the run's folders when it meets a run (a run-start): the prompts
 * folder's files for the templates panel (every run-start, since a restarted trainer reloads them),
 * and the annotations made in earlier sessions (once per run folder).
 */
import { useEffect, useRef } from 'react';
import { readAnnotations } from '../annotations/store.js';
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
  }, [runDir, dispatch, now]);
}
