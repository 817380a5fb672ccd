/**
 * What a run checkpoint holds besides the model. `checkpoints/step-N/` is a plain Hugging Face model
 * folder (config.json, weights, tokenizer files, chat template, generation_config.json) that
 * `AutoModelForCausalLM.from_pretrained` and vLLM load as is; the trainer's own files live in a
 * subfolder under names of our own, so no loader mistakes them for weights or for HF Trainer's
 * `trainer_state.json`:
 *
 *   step-N/thinktune/state.json            TrainerState (steps done, seed, counters, task and prompt settings)
 *   step-N/thinktune/optimizer.safetensors AdamW moments, `m.<param>` / `v.<param>`
 *
 * Checkpoints written before this layout kept `trainer_state.json` and `optimizer.safetensors` beside
 * the weights; they are still read, so old runs resume.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CheckpointError } from '../io/errors.js';
import { readSafetensors } from '../io/safetensors.js';
import type { AdamWState } from '../train/optim.js';
import type { PromptSettings } from '../tasks/student-prompt.js';
import type { TaskName } from '../tasks/task.js';

export const TRAINER_SUBDIR = 'thinktune';
export const STATE_FILE = `${TRAINER_SUBDIR}/state.json`;
export const OPTIMIZER_FILE = `${TRAINER_SUBDIR}/optimizer.safetensors`;
const LEGACY_STATE_FILE = 'trainer_state.json';
const LEGACY_OPTIMIZER_FILE = 'optimizer.safetensors';

export interface TrainerState {
  completedSteps: number;
  styleCounter: number;
  seed: number;
  templateVersion: number;
  optimizerStep: number;
  /** How the student was prompted, so `eval` of this checkpoint prompts it the same way (absent before). */
  task?: TaskName;
  prompt?: PromptSettings;
}

const nonEmpty = (f: string) => existsSync(f) && statSync(f).size > 0;

/** The trainer-state file of a checkpoint folder (new layout, else the old one); null when it has none. */
export function stateFileOf(dir: string): string | null {
  for (const name of [STATE_FILE, LEGACY_STATE_FILE]) if (nonEmpty(join(dir, name))) return join(dir, name);
  return null;
}

/** The optimizer file that goes with `stateFileOf(dir)`. */
export function optimizerFileOf(dir: string): string {
  return stateFileOf(dir) === join(dir, LEGACY_STATE_FILE) ? join(dir, LEGACY_OPTIMIZER_FILE) : join(dir, OPTIMIZER_FILE);
}

/** The trainer state of a run checkpoint, or null for a folder that is not one (a plain HF model). */
export function readTrainerState(dir: string): TrainerState | null {
  const file = stateFileOf(dir);
  if (!file) return null;
  let state: unknown;
  try {
    state = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new CheckpointError(
      `${file} is not valid JSON (${(e as Error).message.split('\n')[0]}); this checkpoint is damaged: move ${dir} aside to resume from the one before it`,
    );
  }
  if (typeof state !== 'object' || state === null || !Number.isInteger((state as TrainerState).completedSteps)) {
    throw new CheckpointError(`${file} has no whole "completedSteps"; this checkpoint is damaged: move ${dir} aside to resume from the one before it`);
  }
  return state as TrainerState;
}

/** AdamW moments as named tensors: `m.<param>` and `v.<param>`. */
export function optimizerToFile(state: AdamWState): Map<string, { shape: number[]; data: Float32Array }> {
  const m = new Map<string, { shape: number[]; data: Float32Array }>();
  for (const [k, v] of Object.entries(state.m)) m.set(`m.${k}`, v);
  for (const [k, v] of Object.entries(state.v)) m.set(`v.${k}`, v);
  return m;
}

/**
 * The optimizer state of a checkpoint, checked against the model it goes with: after the first
 * optimiser step every parameter has both moments, of its size. A truncated file or missing moments
 * are a damaged checkpoint (CheckpointError), not a silent restart of Adam's moments.
 */
export function optimizerFromFile(file: string, step: number, params: Record<string, { size: number }>): AdamWState {
  const t = readSafetensors(file);
  const state: AdamWState = { step, m: {}, v: {} };
  for (const [k, v] of t) {
    if (k.startsWith('m.')) state.m[k.slice(2)] = v;
    else if (k.startsWith('v.')) state.v[k.slice(2)] = v;
  }
  if (step > 0) {
    for (const [name, p] of Object.entries(params)) {
      for (const kind of ['m', 'v'] as const) {
        const moment = state[kind][name];
        if (!moment) throw new CheckpointError(`${file} has no ${kind}.${name}; the optimizer state is incomplete`);
        if (moment.data.length !== p.size) throw new CheckpointError(`${file}: ${kind}.${name} holds ${moment.data.length} values, the parameter ${p.size}`);
      }
    }
  }
  return state;
}
