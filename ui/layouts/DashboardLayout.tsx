/**
 * The dashboard at any size from 40x12 up, following the plan from ui/layout.ts exactly, so the
 * frame is never taller than plan.height (the terminal's rows - 1).
 */
import { Box } from 'ink';
import type { KeyBinding } from '../keys.js';
import type { LayoutPlan } from '../layout.js';
import { Charts } from '../panels/Charts.js';
import { EvalMenu } from '../panels/EvalMenu.js';
import { FocusedPanel, panelContext } from '../panels/FocusedPanel.js';
import { Header } from '../panels/Header.js';
import { HelpOverlay } from '../panels/HelpOverlay.js';
import { KeyBar } from '../panels/KeyBar.js';
import { PanelTabs } from '../panels/PanelTabs.js';
import { StatusLine } from '../panels/StatusLine.js';
import { warningCount } from '../state/selectors.js';
import type { UiState } from '../state/types.js';

export interface DashboardLayoutProps {
  plan: LayoutPlan;
  state: UiState;
  bindings: readonly KeyBinding[];
}

export function DashboardLayout({ plan, state, bindings }: DashboardLayoutProps) {
  const { columns: width } = plan;
  const { view, display } = state;
  const chartLines = plan.chartRows * plan.chartHeight;
  return (
    <Box flexDirection="column" width={width} height={plan.height} overflow="hidden">
      <Header state={state} width={width} lines={plan.headerLines} />
      {view.overlay === 'help' ? (
        <HelpOverlay bindings={bindings} focus={view.focus} width={width} height={chartLines + 1 + plan.panelHeight} display={display} />
      ) : view.overlay === 'eval-menu' && view.evalMenu ? (
        <EvalMenu menu={view.evalMenu} width={width} height={chartLines + 1 + plan.panelHeight} color={display.color} />
      ) : (
        <>
          {chartLines > 0 && (
            <Charts
              steps={state.history.steps.toArray()}
              width={width}
              cols={plan.chartCols}
              rows={plan.chartRows}
              chartHeight={plan.chartHeight}
              display={display}
            />
          )}
          <PanelTabs focus={view.focus} context={panelContext(state)} width={width} display={display} />
          <FocusedPanel state={state} width={width} height={plan.panelHeight} />
        </>
      )}
      <StatusLine
        commandOpen={view.overlay === 'command'}
        searchOpen={view.overlay === 'search'}
        noteFor={view.overlay === 'note' ? view.pendingMark : null}
        commandText={view.commandText}
        notice={state.history.notices.last() ?? null}
        warnings={warningCount(state)}
        width={width}
        display={display}
      />
      <KeyBar bindings={bindings} focus={view.focus} overlay={view.overlay} width={width} display={display} status={state.status} />
    </Box>
  );
}
