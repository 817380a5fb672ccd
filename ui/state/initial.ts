/** The empty dashboard state and the bounds that keep a long run's memory flat. */
import { NO_FILTER } from './completion-filter.js';
import { Ring } from './ring.js';
import type { DisplaySettings, UiState } from './types.js';

/** How much history the UI keeps. Older entries are overwritten; the run folder keeps everything. */
export const CAPACITY = {
  /** Step metric rows: enough for sparklines on the widest screens (one column per step or bucket). */
  steps: 2000,
  /** Steps whose rollouts can be browsed in the groups/trace panels. */
  rolloutSteps: 16,
  /** Older steps read back from rollouts.jsonl and kept for the held view (ui/hooks/useStepHistory.ts). */
  browsedSteps: 6,
  /** Rollouts kept per step (a step rarely has more; guards against a runaway message). */
  rolloutsPerStep: 1024,
  feedback: 500,
  notices: 300,
  annotations: 1000,
  /** Step durations averaged for the ETA. */
  stepTimes: 20,
  evalJobs: 50,
  templateFiles: 200,
  /** Per-step teacher verdict counts: small, so the whole run (the teacher is on in its first steps). */
  effectSteps: 20000,
} as const;

export const DEFAULT_DISPLAY: DisplaySettings = { ascii: false, color: true, theme: 'dark', layout: 'auto' };

export function initialUiState(display: Partial<DisplaySettings> = {}): UiState {
  return {
    run: null,
    status: 'waiting',
    statusReason: null,
    stepsDone: null,
    activeStep: null,
    stepStartedAt: null,
    lastCheckpoint: null,
    perf: { tokensPerS: null, stepTimeS: null, etaS: null, numTensors: null, memoryMb: null, guidancePct: null },
    history: {
      steps: new Ring(CAPACITY.steps),
      rollouts: new Ring(CAPACITY.rolloutSteps),
      feedback: new Ring(CAPACITY.feedback),
      notices: new Ring(CAPACITY.notices),
      annotations: new Ring(CAPACITY.annotations),
      stepTimes: new Ring(CAPACITY.stepTimes),
      effect: new Ring(CAPACITY.effectSteps),
    },
    browse: { diskSteps: [], loaded: [] },
    templates: { dir: null, version: null, files: [] },
    evals: [],
    view: {
      focus: 'groups',
      overlay: 'none',
      commandText: '',
      stepCursor: null,
      atOldest: false,
      readingNewest: false,
      group: 0,
      sample: 0,
      traceScroll: 0,
      template: 0,
      annotation: 0,
      evalJob: 0,
      pendingMark: null,
      evalMenu: null,
      logScroll: 0,
      effectRow: 0,
      tableRow: 0,
      tableFilter: NO_FILTER,
      helpScroll: 0,
      commandCandidates: [],
    },
    display: { ...DEFAULT_DISPLAY, ...display },
    quitting: false,
    watching: false,
    counters: { messages: 0, invalidMessages: 0 },
  };
}
