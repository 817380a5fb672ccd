/**
 * Where `--resume` continues: the newest checkpoint that is whole. Each candidate (newest first) must
 * have a readable trainer state that belongs to this folder's run (its step and seed), weights that
 * load, and a complete optimizer state; the first that passes is used. Damaged newer ones are moved
 * aside (`step-N.damaged-*`, kept for a person to look at) and reported, so the run goes on from the
 * newest good step instead of stopping with a trace. When none passes nothing is moved and the error
 * lists why each failed.
 */
import { loadModel, type LoadedModel } from '../model/io.js';
import type { AdamWState } from '../train/optim.js';
import { optimizerFileOf, optimizerFromFile, readTrainerState, type TrainerState } from './checkpoint-files.js';
import { RunDirError, type RunDir } from './run-dir.js';

export interface ResumePoint {
  step: number;
  path: string;
  state: TrainerState;
  loaded: LoadedModel;
  optimizer: AdamWState;
  /** One line per damaged newer checkpoint that was moved aside. */
  setAside: string[];
}

async function open(c: { step: number; path: string }, seed: number): Promise<Omit<ResumePoint, 'setAside'>> {
  const state = readTrainerState(c.path)!; // checkpoints() lists only folders that have one
  if (state.completedSteps !== c.step) throw new RunDirError(`its state says ${state.completedSteps} steps done, the folder step-${c.step}`);
  if (state.seed !== seed) throw new RunDirError(`its state is of run.seed ${state.seed}, the run's config.json says ${seed}`);
  const loaded = await loadModel(c.path);
  try {
    const sizes = Object.fromEntries(Object.entries(loaded.model.params).map(([name, p]) => [name, { size: p.size }]));
    return { ...c, state, loaded, optimizer: optimizerFromFile(optimizerFileOf(c.path), state.optimizerStep, sizes) };
  } catch (e) {
    loaded.model.dispose();
    throw e;
  }
}

/** The newest whole checkpoint of `runDir`, or null when the run has none at all. */
export async function newestUsableCheckpoint(runDir: RunDir, seed: number): Promise<ResumePoint | null> {
  const candidates = runDir.checkpoints();
  if (candidates.length === 0) return null;
  const failed: { path: string; step: number; why: string }[] = [];
  for (const c of candidates) {
    try {
      const point = await open(c, seed);
      const setAside = failed.map(
        (f) => `checkpoint step-${f.step} is damaged (${f.why}); moved it to ${runDir.setAsideDamaged(f.path)} and resumed from step-${c.step}`,
      );
      return { ...point, setAside };
    } catch (e) {
      // Only what a damaged folder throws; a bug or an out-of-memory stays what it is.
      if (!(e instanceof Error) || !['CheckpointError', 'RunDirError', 'TokenizerError', 'ConfigError'].includes(e.name)) throw e;
      failed.push({ ...c, why: e.message.split('\n')[0] });
    }
  }
  const list = failed.map((f) => `step-${f.step}: ${f.why}`).join('; ');
  throw new RunDirError(`--resume: no checkpoint in ${runDir.path} is whole (${list}); restore one, or start over with --overwrite`);
}
