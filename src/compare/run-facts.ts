/**
 * What a finished training run cost, read back from its run folder, the same way for every method and
 * for in-process and child runs alike.
 *
 * Generated tokens, the compute that compute-matching equalises: every token a rollout's completion
 * holds, i.e. what the student sampled (its end token included) plus what the teacher appended to it
 * (its reason and phrase as they were spliced in). GRPO's count is therefore its student tokens; a
 * ThinkTuning run's is student + teacher tokens. Not counted, for any method: prompt tokens (prefill,
 * the same for every method at a given step), and the part of the teacher's answer the trainer drops
 * (its <opinion>, the tags, unparseable answers), which the teacher decodes on only ~22 of 150 steps
 * and on one rollout per group; so ThinkTuning's count slightly understates what it decoded.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RolloutRecord } from '../trainer/events.js';

type TokenFields = Pick<RolloutRecord, 'studentTokens' | 'teacherTokens' | 'endedBy' | 'terminated' | 'truncated'>;

/** Generated tokens of one rollout (see the header). */
export function generatedTokensOf(r: TokenFields): number {
  // endedBy is absent in files older than stop strings: then a terminated, untruncated rollout ended on its end token.
  const endToken = r.endedBy !== undefined ? r.endedBy === 'end-token' : r.terminated && !r.truncated;
  return r.studentTokens + r.teacherTokens + (endToken ? 1 : 0);
}

function jsonLines<T>(file: string): T[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as T);
}

export interface RunFacts {
  /** Generated tokens over the whole run (null: the run wrote no rollouts). */
  generatedTokens: number | null;
  /** Steps that took at least one optimiser step (the SFT baseline skips steps with no augmented rollout). */
  updateSteps: number | null;
}

/** Reads `<runDir>/rollouts.jsonl` and `<runDir>/metrics.jsonl`. */
export function runFacts(runDir: string): RunFacts {
  const rollouts = jsonLines<TokenFields>(join(runDir, 'rollouts.jsonl'));
  const metrics = jsonLines<Record<string, number | null>>(join(runDir, 'metrics.jsonl'));
  return {
    generatedTokens: rollouts.length ? rollouts.reduce((n, r) => n + generatedTokensOf(r), 0) : null,
    updateSteps: metrics.length ? metrics.filter((m) => (m['perf/optimizer_steps'] ?? 0) > 0 && !m.skipped).length : null,
  };
}
