/** Picks the layout for the terminal's size and the layout preference; owns no state. */
import type { KeyBinding } from './keys.js';
import { planLayout } from './layout.js';
import { DashboardLayout } from './layouts/DashboardLayout.js';
import { TooSmall } from './layouts/TooSmall.js';
import { useTerminalSize } from './hooks/useTerminalSize.js';
import { useUiState } from './providers/contexts.js';

export function App({ bindings }: { bindings: readonly KeyBinding[] }) {
  const state = useUiState();
  const { columns, rows } = useTerminalSize();
  const plan = planLayout(columns, rows, state.display.layout);
  if (plan.kind === 'too-small') return <TooSmall columns={columns} rows={rows} />;
  return <DashboardLayout plan={plan} state={state} bindings={bindings} />;
}
