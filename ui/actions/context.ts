/** What every group of UI actions needs: change the state, read it, tell the person something. */
import type { Notice, UiAction, UiState } from '../state/types.js';

export interface ActionContext {
  dispatch(action: UiAction): void;
  getState(): UiState;
  now(): number;
  /** A line for the status bar and the log, from the UI itself. */
  notice(level: Notice['level'], text: string): void;
}

export const errorText = (err: unknown): string => (err instanceof Error ? err.message : String(err));
