/**
 * The dashboard's state and the actions that change it. Everything the screen shows is derived from
 * `UiState`; the only way to change it is `uiReducer(state, action)` (ui/state/reducer.ts).
 * Histories are fixed-capacity rings so a week-long run holds as much memory as a minute-long one.
 */
import type { RolloutRecord, StepMetrics, TrainCommand } from '../../src/trainer/events.js';
import type { VerdictCounts } from '../../src/eval/teacher-effect.js';
import type { WorkerMessage } from '../protocol.js';
import type { Ring } from './ring.js';

/** The panels the focus cycles through with tab, in that order. */
export const PANELS = ['groups', 'trace', 'templates', 'annotations', 'eval', 'log', 'teacher', 'completions'] as const;
export type PanelId = (typeof PANELS)[number];

/**
 * What covers the panels or takes the keys: help, the ':' line, the one-line note of a mark, the eval pick
 * list, the completion table's '/' search line.
 */
export type Overlay = 'none' | 'help' | 'command' | 'note' | 'eval-menu' | 'search';

/** What the trainer last said about itself ('waiting' until run-start arrives). */
export type TrainerStatus = 'waiting' | 'running' | 'paused' | 'stopping' | 'stopped' | 'crashed';
/** What the header shows: the trainer status, or 'evaluating' while an eval runs and training does not. */
export type RunStatus = TrainerStatus | 'evaluating';

/** A run that is not running any more: finished all its steps, stopped before, or crashed / killed. */
export interface RunEnd {
  how: 'finished' | 'stopped' | 'crashed';
  at: number;
}

/** A human verdict on a rollout's trace or on the teacher feedback it got; written to the run folder. */
export interface Annotation {
  id: string;
  /** ISO 8601 time the annotation was made. */
  time: string;
  step: number;
  group: number;
  sample: number;
  target: 'trace' | 'feedback';
  verdict: 'good' | 'bad';
  note: string;
  /** Feedback template version the rollout was produced with. */
  templateVersion: number;
}

/** One evaluation run in a child process, as the eval panel lists it. */
export interface EvalJob {
  id: string;
  model: string;
  data: string;
  status: 'queued' | 'running' | 'done' | 'failed' | 'cancelled';
  /** Examples evaluated so far, out of `total` (0 until the child reports its size). */
  done: number;
  total: number;
  /** Metric name -> value once finished (e.g. {accuracy: 0.42}). */
  result: Record<string, number> | null;
  error: string | null;
}

/** A feedback template file as the templates panel lists it. */
export interface TemplateFile {
  name: string;
  version: number;
  /** A reload was asked for, or a valid edit was saved, and the trainer has not taken it up yet. */
  pending: boolean;
  error: string | null;
  /** Hash of the text in force (comment lines removed), when the UI knows it; see ui/templates/folder.ts. */
  hash: string | null;
  /** Hash of a valid edit saved from the dashboard and not yet in force; the next version bump clears it. */
  pendingHash: string | null;
}

/** A mark waiting for its one-line note: the rollout is fixed when the key is pressed, so new steps cannot move it. */
export interface PendingMark {
  step: number;
  group: number;
  sample: number;
  target: 'trace' | 'feedback';
  verdict: 'good' | 'bad';
  templateVersion: number;
}

/** One entry of the eval pick list: what is shown, and what is passed to `thinktune eval`. */
export interface EvalChoice {
  label: string;
  value: string;
}

/** The ':eval' pick list: checkpoints x data sets; space marks, enter queues every marked pair. */
export interface EvalMenuState {
  models: EvalChoice[];
  /** Named data sets; the list shows one more row after them, where a JSONL path is typed. */
  data: EvalChoice[];
  column: 'models' | 'data';
  /** Cursor row per column; in `data`, index data.length is the typed-path row. */
  cursor: { models: number; data: number };
  marked: { models: number[]; data: number[] };
  /** The JSONL path typed on the data list's last row. */
  path: string;
}

export interface StepRow {
  step: number;
  metrics: StepMetrics;
  /** Wall-clock ms when the UI received it. */
  at: number;
}

export interface StepRollouts {
  step: number;
  rollouts: RolloutRecord[];
}

/** What the teacher's feedback did in one step (src/eval/teacher-effect.ts), kept for the whole run. */
export interface StepEffect extends VerdictCounts {
  step: number;
}

export interface FeedbackEntry {
  at: number;
  step: number;
  group: number;
  sample: number;
  style: string | null;
  ok: boolean;
  text: string;
}

export interface Notice {
  at: number;
  level: 'info' | 'warning' | 'error';
  /** Who said it: the trainer, the message boundary, the preferences file, the UI itself, an eval child. */
  source: 'trainer' | 'protocol' | 'prefs' | 'ui' | 'eval';
  text: string;
}

export interface RunInfo {
  name: string;
  runDir: string;
  totalSteps: number;
  startStep: number;
  backend: string;
  backendReason: string;
  resumedFrom: string | null;
  config: unknown;
  /** Steps finished when this process stops (--max-steps); absent: totalSteps. The header and ETA count to it. */
  stopAt?: number;
}

/** Throughput and resource gauges from the newest step (null until reported). */
export interface Perf {
  tokensPerS: number | null;
  /** Seconds per step: the trainer's own figure, else measured between step-start and step. */
  stepTimeS: number | null;
  /** Seconds left: mean of recent step times x steps left. */
  etaS: number | null;
  numTensors: number | null;
  memoryMb: number | null;
  /** Guidance schedule in percent (0-100): the share of eligible rollouts sent to the teacher. */
  guidancePct: number | null;
}

export interface History {
  steps: Ring<StepRow>;
  rollouts: Ring<StepRollouts>;
  feedback: Ring<FeedbackEntry>;
  notices: Ring<Notice>;
  annotations: Ring<Annotation>;
  /** Recent step durations in seconds, for the ETA. */
  stepTimes: Ring<number>;
  /** Per step, the teacher's verdicts (fixed / broke / kept), for the teacher panel's chart. */
  effect: Ring<StepEffect>;
}

/**
 * Steps of the run beyond the in-memory ring, read from the run folder's rollouts.jsonl by
 * ui/hooks/useStepHistory.ts (ui/history/rollout-file.ts) so the groups/trace panels reach any step.
 */
export interface BrowseState {
  /** Every step rollouts.jsonl holds (0-based, ascending), as the file's index last found them. */
  diskSteps: readonly number[];
  /** Steps loaded from the file for the held view, least recently shown first; at most CAPACITY.browsedSteps. */
  loaded: readonly StepRollouts[];
}

export interface ViewState {
  focus: PanelId;
  overlay: Overlay;
  /** Text typed after ':' while the command line is open (and after '/' while the search line is). */
  commandText: string;
  /** Step shown by the groups/trace panels; null follows the newest step. */
  stepCursor: number | null;
  /** `[` was pressed on the oldest step of the run: the held view stays there and says so. */
  atOldest: boolean;
  /** The selection was moved or the trace scrolled while following: the next step holds the view here. */
  readingNewest: boolean;
  /** Selected group: an index into the shown step's groups (ordered by group number), not the group number. */
  group: number;
  /** Selected sample: an index into the selected group's rollouts (ordered by sample number). */
  sample: number;
  /** Lines scrolled in the trace inspector. */
  traceScroll: number;
  template: number;
  annotation: number;
  /** Selected job in the eval panel (index into `evals`). */
  evalJob: number;
  /** The mark whose note is being typed (overlay 'note'). */
  pendingMark: PendingMark | null;
  /** The pick list while overlay is 'eval-menu'. */
  evalMenu: EvalMenuState | null;
  /** Lines scrolled up from the newest entry in the log panel. */
  logScroll: number;
  /** Selected row (a guided rollout of the shown step) in the teacher panel. */
  effectRow: number;
  /** Selected row of the completion table: an index into the shown step's rollouts that pass `tableFilter`. */
  tableRow: number;
  /** Which rollouts the completion table lists; kept while browsing steps (ui/state/completion-filter.ts). */
  tableFilter: CompletionFilter;
  /** Lines scrolled in the help overlay. */
  helpScroll?: number;
  /** What Tab could complete in the command line when it is ambiguous (shown after the typed text). */
  commandCandidates?: string[];
}

export interface DisplaySettings {
  /** Draw with ASCII only (no block characters or box glyphs). */
  ascii: boolean;
  /** Use colours (false under NO_COLOR, TERM=dumb or the 'mono' theme). */
  color: boolean;
  theme: 'dark' | 'light' | 'mono';
  layout: 'auto' | 'compact' | 'full';
}

export interface UiState {
  run: RunInfo | null;
  status: TrainerStatus;
  /** Why the run stopped or crashed (null while it runs). */
  statusReason: string | null;
  /** Steps finished, a count (0 before the first, 4 after the 4th); null before the run starts. */
  stepsDone: number | null;
  /** The step in progress: its 0-based index, as events carry it; null between steps. */
  activeStep: number | null;
  stepStartedAt: number | null;
  lastCheckpoint: { step: number; path: string } | null;
  perf: Perf;
  history: History;
  browse: BrowseState;
  /** `dir` is the run's prompts folder once known (from the run-start config). */
  templates: { dir: string | null; version: number | null; files: TemplateFile[] };
  /** Newest last; bounded (oldest finished jobs are dropped first). */
  evals: EvalJob[];
  view: ViewState;
  display: DisplaySettings;
  /** 'q' was pressed: a stop with save was sent and the UI exits when the run reports done. */
  quitting: boolean;
  /** Read-only view of a run folder (`thinktune watch`): q leaves without stopping the run. */
  watching: boolean;
  /** How and when (ms, as this window learned it) the run ended; null or absent while it runs. */
  ended?: RunEnd | null;
  counters: { messages: number; invalidMessages: number };
}

export interface EvalRequest {
  id: string;
  model: string;
  data: string;
  /** The run's config.json: the evaluation prompts the model as the run prompts its student. */
  promptConfig?: string;
}

export type UiAction =
  | { type: 'message'; msg: WorkerMessage; at: number }
  | { type: 'invalid-message'; error: string; at: number }
  | { type: 'notice'; notice: Notice }
  | { type: 'command-sent'; command: TrainCommand; at: number }
  | { type: 'focus'; to: PanelId | 'next' | 'prev' }
  | { type: 'overlay'; overlay: Overlay; text?: string }
  /** Edit the open command line; relative, so keys arriving before a re-render are not lost. */
  | { type: 'command-edit'; append?: string; backspace?: boolean; clear?: boolean }
  /** Tab in the command line: the completed text, and the candidates left when it is ambiguous. */
  | { type: 'command-complete'; text: string; candidates: string[] }
  /** Scroll the help overlay by `delta` lines, to at most `max` (what the overlay's size leaves hidden). */
  | { type: 'help-scroll'; delta: number; max: number }
  /** A mark deleted from the annotations panel (and from annotations.jsonl). */
  | { type: 'annotation-deleted'; id: string; at: number }
  /** Move the selection (or scroll) of the focused panel by `delta` rows. */
  | { type: 'move'; delta: number }
  /** Change the completion table's filter (a filter key, or the search line's Enter). */
  | { type: 'table-filter'; change: FilterChange }
  /** Show one rollout of the shown step (0-based group and sample, as records hold them) in the trace inspector. */
  | { type: 'show-rollout'; group: number; sample: number }
  /** Previous (-1) / next (+1) sample, or group, of the shown step. */
  | { type: 'sample-cursor'; delta: number }
  | { type: 'group-cursor'; delta: number }
  /** Show an older (-1) or newer (+1) step in the groups/trace panels; 0 follows the newest again. */
  | { type: 'step-cursor'; delta: number }
  /** The steps the run folder's rollouts.jsonl holds (ui/hooks/useStepHistory.ts). */
  | { type: 'history-index'; steps: readonly number[] }
  /** One step's rollouts read from rollouts.jsonl for the held view. */
  | { type: 'history-step-loaded'; step: number; rollouts: RolloutRecord[] }
  /** `available` is false when no eval launcher is attached: the job is listed as failed at once. */
  | { type: 'eval-requested'; request: EvalRequest; available: boolean; at: number }
  | { type: 'annotate'; annotation: Annotation }
  /** Annotations already in the run folder (read when the dashboard meets the run); merged by id. */
  | { type: 'annotations-loaded'; annotations: Annotation[]; at: number }
  /** Evaluation results already in the run folder's evals.jsonl (ui/eval/saved.ts), as finished jobs; merged by id. */
  | { type: 'evals-loaded'; jobs: EvalJob[]; at: number }
  /** Ask for the note of a mark (opens overlay 'note'). */
  | { type: 'note-open'; mark: PendingMark }
  /** The run's prompts folder and its files as they are on disk (hash of each file's text, null when unreadable). */
  | { type: 'templates-listed'; dir: string; files: { name: string; hash: string | null }[] }
  /** A template saved from $EDITOR and checked: `error` is the loader's message, else `hash` is the new text's. */
  | { type: 'template-edited'; name: string; error: string | null; hash: string | null; at: number }
  /** The trainer is being started again from the newest checkpoint. */
  | { type: 'restarting'; at: number }
  | { type: 'eval-menu-open'; models: EvalChoice[]; data: EvalChoice[] }
  /** Edit the open eval pick list (one change per key). */
  | { type: 'eval-menu-edit'; move?: number; switchColumn?: boolean; toggle?: boolean; append?: string; backspace?: boolean }
  | { type: 'quit'; at: number }
  | { type: 'display'; patch: Partial<DisplaySettings> }
  | { type: 'batch'; actions: UiAction[] };

/** The completion table's reward filter: any, total reward > 0, or = 0 (completion-filter.ts). */
export type RewardFilter = 'any' | 'positive' | 'zero';

/** Which rollouts of the shown step the completion table lists (completion-filter.ts applies it). */
export interface CompletionFilter {
  /** Searched text; '' matches every rollout. */
  text: string;
  guidedOnly: boolean;
  truncatedOnly: boolean;
  reward: RewardFilter;
}

/** One change of the filter, as a key or the search line asks for it. */
export type FilterChange = { kind: 'text'; text: string } | { kind: 'guided' } | { kind: 'truncated' } | { kind: 'reward' } | { kind: 'clear' };
