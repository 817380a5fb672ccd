/** `thinktune pretrain --task arith`: make the built-in world's base model (see src/world/pretrain.ts). */
import { resolve } from 'node:path';
import { pretrain } from '../world/pretrain.js';
import { builtinModelDir, resolvePromptsDir } from '../paths.js';
import { UsageError } from './errors.js';

export interface PretrainArgs {
  task: string;
  out?: string;
  seed: string;
  docs: string;
  slipRate: string;
  teacherFraction: string;
  batchTokens: string;
  steps: string;
  lr: string;
  warmup: string;
  timeLimit: string;
  evalEvery: string;
  evalProblems: string;
  hidden?: string;
  layers?: string;
  intermediate?: string;
  prompts: string;
  init?: string;
  loss: string;
  drillFraction: string;
  reviewFraction: string;
  misreadRate: string;
}

export async function pretrainCommand(a: PretrainArgs, argv: string[]): Promise<void> {
  if (a.task !== 'arith') throw new UsageError(`pretrain knows the task "arith" only (got "${a.task}")`);
  const num = (name: string, v: string) => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new UsageError(`--${name} must be a non-negative number (got "${v}")`);
    return n;
  };
  if (a.loss !== 'all' && a.loss !== 'completion') throw new UsageError(`--loss must be all or completion (got "${a.loss}")`);
  const r = await pretrain({
    completionOnly: a.loss === 'completion',
    drillFraction: num('drill-fraction', a.drillFraction),
    reviewFraction: num('review-fraction', a.reviewFraction),
    misreadRate: num('misread-rate', a.misreadRate),
    init: a.init ? resolve(a.init) : undefined,
    out: resolve(a.out ?? builtinModelDir()),
    promptsDir: resolvePromptsDir(a.prompts),
    seed: num('seed', a.seed),
    docs: num('docs', a.docs),
    slipRate: num('slip-rate', a.slipRate),
    teacherFraction: num('teacher-fraction', a.teacherFraction),
    batchTokens: num('batch-tokens', a.batchTokens),
    steps: num('steps', a.steps),
    lr: num('lr', a.lr),
    warmupSteps: num('warmup', a.warmup),
    timeLimitMin: num('time-limit', a.timeLimit),
    evalEvery: num('eval-every', a.evalEvery),
    evalProblems: num('eval-problems', a.evalProblems),
    hidden: a.hidden ? num('hidden', a.hidden) : undefined,
    layers: a.layers ? num('layers', a.layers) : undefined,
    intermediate: a.intermediate ? num('intermediate', a.intermediate) : undefined,
    onLog: (l) => process.stdout.write(l + '\n'),
    command: ['thinktune', ...argv.slice(2)].join(' '),
  });
  process.stdout.write(`done: ${r.steps} steps, ${(r.tokens / 1e6).toFixed(2)}M tokens, ${(r.seconds / 60).toFixed(1)} min\n`);
}
