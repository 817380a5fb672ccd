/**
 * The body of the focused panel, clipped to `height` lines whatever the panel draws. Feeds each
 * content panel (built in ui/panels/*.tsx) the slice of state it needs.
 */
import { Box } from 'ink';
import { stepNumber } from '../format.js';
import { changeFilter, filterLabel, tableRows, type CompletionFilter } from '../state/completion-filter.js';
import { browsableSteps, selection, shownStepNumber } from '../state/selectors.js';
import type { UiState } from '../state/types.js';
import { AnnotationsPanel } from './AnnotationsPanel.js';
import { CompletionTable } from './CompletionTable.js';
import { EvalPanel } from './EvalPanel.js';
import { GroupView } from './GroupView.js';
import { LogPanel } from './LogPanel.js';
import { TeacherEffectPanel } from './TeacherEffectPanel.js';
import { TemplatesPanel } from './TemplatesPanel.js';
import { TraceInspector } from './TraceInspector.js';

export interface FocusedPanelProps {
  state: UiState;
  width: number;
  height: number;
}

export function FocusedPanel({ state, width, height }: FocusedPanelProps) {
  return (
    <Box width={width} height={height} overflow="hidden" flexDirection="column">
      <PanelBody state={state} width={width} height={height} />
    </Box>
  );
}

function PanelBody({ state, width, height }: FocusedPanelProps) {
  const { view, display } = state;
  const color = display.color;
  switch (view.focus) {
    case 'groups': {
      const sel = selection(state);
      return <GroupView rollouts={sel.group} selected={sel.sampleIndex} width={width} height={height} color={color} />;
    }
    case 'trace':
      return <TraceInspector rollout={selection(state).rollout} scroll={view.traceScroll} width={width} height={height} color={color} />;
    case 'templates':
      return <TemplatesPanel files={state.templates.files} selected={view.template} width={width} height={height} color={color} />;
    case 'annotations':
      return <AnnotationsPanel annotations={state.history.annotations.toArray()} selected={view.annotation} width={width} height={height} color={color} />;
    case 'eval':
      return <EvalPanel jobs={state.evals} selected={Math.min(view.evalJob, state.evals.length - 1)} width={width} height={height} color={color} />;
    case 'teacher':
      return (
        <TeacherEffectPanel
          step={selection(state).step ?? null}
          history={state.history.effect.toArray()}
          selected={view.effectRow}
          width={width}
          height={height}
          color={color}
          ascii={display.ascii}
        />
      );
    case 'completions':
      return (
        <CompletionTable
          step={selection(state).step ?? null}
          filter={shownFilter(state)}
          selected={view.tableRow}
          width={width}
          height={height}
          color={color}
          ascii={display.ascii}
        />
      );
    case 'log':
      return (
        <LogPanel
          notices={state.history.notices.toArray()}
          feedback={state.history.feedback.toArray()}
          scroll={view.logScroll}
          width={width}
          height={height}
          display={display}
        />
      );
  }
}

/**
 * The completion table's filter as drawn: while the '/' line is open, with the text typed so far, so the
 * table narrows as one types; Esc then leaves the filter in the state as it was.
 */
function shownFilter(state: UiState): CompletionFilter {
  const v = state.view;
  return v.overlay === 'search' ? changeFilter(v.tableFilter, { kind: 'text', text: v.commandText }) : v.tableFilter;
}

/** "step 12 · g 2/8 · #3/4" (step, group, sample) for the tab line, per focused panel; "(held)" when not following new steps. */
export function panelContext(state: UiState): string {
  const v = state.view;
  switch (v.focus) {
    case 'groups':
    case 'trace': {
      const sel = selection(state);
      const where = stepPlace(state);
      if (where === null) return 'no rollouts yet';
      if (!sel.step) return `${where} · reading rollouts.jsonl…`;
      return `${where} · g ${sel.groupIndex + 1}/${sel.groups.length} · #${sel.sampleIndex + 1}/${sel.group.length}`;
    }
    case 'templates':
      if (state.templates.version === null) return 'no templates reported';
      return `templates v${state.templates.version}${state.templates.dir ? ` · ${state.templates.dir}` : ''}`;
    case 'annotations':
      return `${state.history.annotations.size} marks`;
    case 'eval': {
      const running = state.evals.filter((j) => j.status === 'running' || j.status === 'queued').length;
      return `${state.evals.length} jobs${running ? `, ${running} active` : ''}`;
    }
    case 'log':
      return v.logScroll ? `${v.logScroll} lines up` : 'newest';
    case 'teacher': {
      const where = stepPlace(state);
      if (where === null) return 'no rollouts yet';
      return `${where} · guided only`;
    }
    case 'completions': {
      const where = stepPlace(state);
      if (where === null) return 'no rollouts yet';
      const step = selection(state).step;
      if (!step) return `${where} · reading rollouts.jsonl…`;
      const rows = tableRows(step, v.tableFilter).length;
      const filter = filterLabel(v.tableFilter);
      return `${where} · ${rows ? Math.min(v.tableRow, rows - 1) + 1 : 0}/${rows}${filter ? ` · ${filter}` : ''}`;
    }
  }
}

/** "step 12" while following the newest; held: "step 7 of 40 (held)", 40 being the newest step there is to show. */
function stepPlace(state: UiState): string | null {
  const shown = shownStepNumber(state);
  if (shown === null) return null;
  if (state.view.stepCursor === null) return `step ${stepNumber(shown)}`;
  const steps = browsableSteps(state);
  const newest = Math.max(shown, steps[steps.length - 1] ?? shown);
  return `step ${stepNumber(shown)} of ${stepNumber(newest)} (held)${state.view.atOldest ? ' · the oldest step' : ''}`;
}
