/**
 * `thinktune eval`: accuracy and reflection of one checkpoint on a problem set.
 *
 * With --json, stdout carries only protocol lines (src/trainer/protocol.ts; the dashboard's eval queue and
 * compare's children read them through src/trainer/child-process.ts), each {"v":1,"kind":"eval","event":E}:
 *   {"type":"eval-start","id":ID,"model":M,"data":D,"total":N}   once the problems are loaded
 *   {"type":"eval-progress","id":ID,"done":n,"total":N}          after each batch of problems
 *   {"type":"eval-result","id":ID,"result":{...}}                once, at the end (finite metrics only)
 * ID is --job-id (default "eval"). A failure is a `thinktune:` line on stderr and exit status 1.
 * metric keys: "pass@1", "maj@K", "pass@K" and "mean@K" (K = --samples, only when K > 1), "reflection_rate",
 * "sampled_reflection_rate" (K > 1), "mean_length" (tokens), "termination_rate", "n". Without --json a small table is printed; a progress
 * bar goes to stderr when stderr is a terminal. --out writes metrics and per-problem records as JSON.
 *
 * A model that is one of a run's checkpoints (`<run>/checkpoints/step-N`, `<run>/config.json`) is marked
 * kept (rotation never deletes it, src/trainer/run-dir.ts) and its result is appended to
 * `<run>/evals.jsonl` (src/eval/records.ts), where the dashboard shows it; a dashboard's own eval
 * children skip the append (PARENT_RECORDS_ENV), since the dashboard writes that line itself.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { appendEvalRecord, checkpointField, EVALS_FILE, finiteMetrics, PARENT_RECORDS_ENV, shellLine } from '../eval/records.js';
import { EVAL_DEFAULTS, evaluateModel } from '../eval/evaluate.js';
import { evalMessage, jsonLine, type EvalEvent } from '../trainer/protocol.js';
import type { EvalMetrics } from '../eval/scoring.js';
import { loadModel } from '../model/io.js';
import { loadProblems } from '../tasks/datasets.js';
import { stopTokenIds } from '../model/generation-config.js';
import { CHAT_TEMPLATE_MODES, studentPromptFor, type ChatTemplateMode, type PromptSettings } from '../tasks/student-prompt.js';
import { TASK_NAMES, taskOfDataSpec, type TaskName } from '../tasks/task.js';
import { readTrainerState } from '../trainer/checkpoint-files.js';
import { markKept, runDirOfCheckpoint } from '../trainer/run-dir.js';
import { builtinModelDir } from '../paths.js';
import { UsageError } from './errors.js';
import { numberArg, wholeArg } from './args.js';

export interface EvalArgs {
  model: string;
  data: string;
  limit?: string;
  samples?: string;
  temperature?: string;
  maxNewTokens?: string;
  seed?: string;
  json?: boolean;
  /** The id the --json events carry. */
  jobId?: string;
  out?: string;
  task?: string;
  promptConfig?: string;
  system?: string;
  instruction?: string;
  chatTemplate?: string;
}

/** A run's config.json (`--prompt-config`): its task and prompt section. */
function runPrompt(file: string): { task?: TaskName; prompt?: PromptSettings } {
  let config: { data?: { task?: TaskName }; prompt?: PromptSettings };
  try {
    config = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new UsageError(`--prompt-config ${file}: ${(e as Error).message.split('\n')[0]}; pass a run folder's config.json`);
  }
  return { task: config.data?.task, prompt: config.prompt };
}

/**
 * How to prompt the model: flags first, then `--prompt-config` (a run's config.json), then what a run
 * checkpoint recorded (so a checkpoint is evaluated with the prompt it was trained on), then the task's
 * defaults. The task follows the data when nothing names it.
 */
export function evalPrompt(a: EvalArgs, dir: string): { task: TaskName; settings: PromptSettings } {
  const fromRun = a.promptConfig !== undefined ? runPrompt(a.promptConfig) : null;
  const state = readTrainerState(dir);
  const saved = fromRun?.prompt ? fromRun : state;
  if (a.task !== undefined && !(TASK_NAMES as readonly string[]).includes(a.task)) {
    throw new UsageError(`--task must be one of ${TASK_NAMES.join(', ')} (got "${a.task}")`);
  }
  if (a.chatTemplate !== undefined && !(CHAT_TEMPLATE_MODES as readonly string[]).includes(a.chatTemplate)) {
    throw new UsageError(`--chat-template must be one of ${CHAT_TEMPLATE_MODES.join(', ')} (got "${a.chatTemplate}")`);
  }
  const task = (a.task as TaskName | undefined) ?? saved?.task ?? taskOfDataSpec(a.data);
  const base: PromptSettings = saved?.prompt && saved.task === task ? saved.prompt : { instruction: 'auto', chatTemplate: 'auto' };
  const system = a.system ?? base.system;
  return {
    task,
    settings: {
      ...(system !== undefined ? { system } : {}),
      instruction: a.instruction ?? base.instruction,
      chatTemplate: (a.chatTemplate as ChatTemplateMode | undefined) ?? base.chatTemplate,
    },
  };
}

export interface RecordOptions {
  data: string;
  limit: number | null;
  samples: number;
  /** The words after `thinktune` (default: this process's arguments). */
  argv?: string[];
  env?: Record<string, string | undefined>;
  time?: Date;
}

/**
 * When `modelDir` is one of a run's checkpoints: mark it kept and append the result to the run's
 * evals.jsonl (unless a dashboard parent records it). Returns the file written, else null.
 */
export function recordCheckpointEval(modelDir: string, metrics: EvalMetrics, o: RecordOptions): string | null {
  const of = runDirOfCheckpoint(modelDir);
  if (of === null) return null;
  markKept(modelDir);
  if ((o.env ?? process.env)[PARENT_RECORDS_ENV]) return null;
  const time = o.time ?? new Date();
  appendEvalRecord(of.runDir, {
    id: `cli-${time.getTime().toString(36)}-${process.pid}`,
    time: time.toISOString(),
    checkpoint: checkpointField(of.runDir, modelDir),
    step: of.step,
    data: o.data,
    limit: o.limit,
    samples: o.samples,
    metrics: finiteMetrics(metrics),
    command: shellLine(['thinktune', ...(o.argv ?? process.argv.slice(2))]),
  });
  return join(of.runDir, EVALS_FILE);
}

/** A one-line bar redrawn in place on a terminal: `eval [#######.............]  35/100`. */
function progressBar(stream: NodeJS.WriteStream): { update: (done: number, total: number) => void; end: () => void } {
  const width = 30;
  return {
    update(done, total) {
      const filled = Math.round((done / total) * width);
      stream.write(`\reval [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total}`);
    },
    end() {
      stream.write('\r\x1b[2K');
    },
  };
}

function formatTable(metrics: EvalMetrics): string {
  const rows = Object.entries(metrics).map(([k, v]) => [k, k === 'n' ? String(v) : k === 'mean_length' ? v.toFixed(1) : v.toFixed(3)]);
  const w = Math.max(6, ...rows.map(([k]) => k.length));
  return [`${'metric'.padEnd(w)}  value`, ...rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`)].join('\n') + '\n';
}

export async function evalCommand(a: EvalArgs): Promise<void> {
  const limit = wholeArg('--limit', a.limit, 1) ?? 0;
  const samples = wholeArg('--samples', a.samples, 1) ?? EVAL_DEFAULTS.samples;
  const maxNewTokens = wholeArg('--max-new-tokens', a.maxNewTokens, 1) ?? EVAL_DEFAULTS.maxNewTokens;
  const seed = wholeArg('--seed', a.seed, 0) ?? EVAL_DEFAULTS.seed;
  const temperature = numberArg('--temperature', a.temperature) ?? EVAL_DEFAULTS.temperature;
  const dir = a.model === 'builtin' ? builtinModelDir() : resolve(a.model);
  if (a.model === 'builtin' && !existsSync(dir)) {
    throw new UsageError(`the built-in model is missing (${dir}); run \`thinktune pretrain\` to make it, or pass --model a model folder`);
  }
  // Built-in splits: ask for exactly `limit` problems (a shorter count is a prefix of a longer one).
  const all = loadProblems(a.data, limit > 0 && a.data.startsWith('arith-') ? { count: limit } : {});
  const problems = limit > 0 ? all.slice(0, limit) : all;
  const prompting = evalPrompt(a, dir);
  const { model, tokenizer, generation } = await loadModel(dir);
  if (!tokenizer) {
    model.dispose();
    throw new UsageError(`${dir} has no tokenizer.json; copy the model's tokenizer next to its weights`);
  }
  const id = a.jobId ?? 'eval';
  const emit = (event: EvalEvent) => {
    if (a.json) process.stdout.write(jsonLine(evalMessage(event)));
  };
  emit({ type: 'eval-start', id, model: dir, data: a.data, total: problems.length });
  const bar = process.stderr.isTTY ? progressBar(process.stderr) : null;
  const started = performance.now();
  let result: Awaited<ReturnType<typeof evaluateModel>>;
  try {
    result = await evaluateModel(model, tokenizer, problems, {
      samples,
      temperature,
      maxNewTokens,
      seed,
      prompt: studentPromptFor(tokenizer, prompting.task, prompting.settings),
      stopIds: stopTokenIds(generation, tokenizer.eosId),
      onProgress: (done, total) => {
        bar?.update(done, total);
        emit({ type: 'eval-progress', id, done, total });
      },
    });
  } finally {
    bar?.end();
    model.dispose();
  }
  const seconds = (performance.now() - started) / 1000;
  if (a.out) {
    const file = resolve(a.out);
    mkdirSync(dirname(file), { recursive: true });
    const options = { limit: limit || null, samples, temperature, maxNewTokens, seed, task: prompting.task, prompt: prompting.settings };
    writeFileSync(file, JSON.stringify({ model: dir, data: a.data, options, seconds, metrics: result.metrics, records: result.records }, null, 2) + '\n');
  }
  let recorded: string | null = null;
  try {
    recorded = recordCheckpointEval(dir, result.metrics, { data: a.data, limit: limit || null, samples });
  } catch (e) {
    process.stderr.write(`thinktune: warning: the result is not saved in the run folder: ${(e as Error).message.split('\n')[0]}\n`);
  }
  if (a.json) {
    // JSON has no NaN: a metric that came out NaN (no problems) is left out rather than sent as null.
    emit({ type: 'eval-result', id, result: finiteMetrics(result.metrics) });
    return;
  }
  process.stdout.write(formatTable(result.metrics));
  const saved = [a.out ? `full results in ${resolve(a.out)}` : '', recorded ? `recorded in ${recorded}` : ''].filter(Boolean).join('; ');
  process.stderr.write(`evaluated ${problems.length} problems in ${seconds.toFixed(1)} s${saved ? `; ${saved}` : ''}\n`);
}
