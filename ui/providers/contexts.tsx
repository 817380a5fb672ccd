/**
 * State and actions in two React contexts (gemini-cli style): components that only act do not
 * re-render when the state changes, and each hook fails loudly when used outside AppContainer.
 */
import { createContext, useContext } from 'react';
import type { UiActions } from '../actions/ui-actions.js';
import type { UiState } from '../state/types.js';

export const UiStateContext = createContext<UiState | null>(null);
export const UiActionsContext = createContext<UiActions | null>(null);

export function useUiState(): UiState {
  const state = useContext(UiStateContext);
  if (!state) throw new Error('useUiState() must be used inside <AppContainer> (it provides UiStateContext)');
  return state;
}

export function useUiActions(): UiActions {
  const actions = useContext(UiActionsContext);
  if (!actions) throw new Error('useUiActions() must be used inside <AppContainer> (it provides UiActionsContext)');
  return actions;
}
