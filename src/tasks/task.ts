/**
 * A task owns a data source, the way its questions become prompts, and its reward, so that `train`,
 * `eval`, `compare` and the dashboard's evaluation menu all see one definition:
 *
 *   arith   the built-in arithmetic world (splits arith-train / -validation / -test), plain prompts for
 *           the built-in model, no instruction (the shipped model was trained without one)
 *   gsm8k   a JSONL file of {"question", "answer": "...#### N"}
 *   math    a JSONL file of {"problem", "answer"} (MATH / MATH-500)
 *
 * Every task is scored by the paper's reward (`accuracy`: terminated and the last \boxed{} right, else
 * the `#### N` line), so the two JSONL tasks ask for a boxed answer by default, as Qwen2.5-Math and
 * DeepSeek-R1's evaluations do.
 */
import { readFileSync } from 'node:fs';
import { ARITH_SPLITS, type DifficultySetting } from './arith.js';
import { loadJsonlProblems, loadProblems, type Problem } from './datasets.js';
import { DatasetError } from './errors.js';

export const TASK_NAMES = ['arith', 'gsm8k', 'math'] as const;
export type TaskName = (typeof TASK_NAMES)[number];

/** The instruction the JSONL tasks append to each question by default. */
export const BOXED_INSTRUCTION = 'Please reason step by step, and put your final answer within \\boxed{}.';

export interface Task {
  name: TaskName;
  /** Appended to each question when the prompt settings say 'auto'; null = none. */
  defaultInstruction: string | null;
  /** The built-in reward that scores the task (see src/rl/rewards.ts). */
  reward: 'accuracy';
}

const TASKS: Record<TaskName, Task> = {
  arith: { name: 'arith', defaultInstruction: null, reward: 'accuracy' },
  gsm8k: { name: 'gsm8k', defaultInstruction: BOXED_INSTRUCTION, reward: 'accuracy' },
  math: { name: 'math', defaultInstruction: BOXED_INSTRUCTION, reward: 'accuracy' },
};

export function getTask(name: TaskName): Task {
  return TASKS[name];
}

/** Where a task's problems come from: a built-in split (arith) or a JSONL file (gsm8k, math). */
export interface TaskData {
  task: TaskName;
  /** arith only: train | validation | test. */
  split?: string;
  /** gsm8k / math: the JSONL file. */
  file?: string;
  difficulty?: DifficultySetting;
  /** arith only: how many problems to draw. */
  count?: number;
}

export function loadTaskProblems(d: TaskData): Problem[] {
  if (d.task === 'arith') {
    if (d.file !== undefined) throw new DatasetError(`data.file is set (${d.file}) but data.task is arith; set data.task to gsm8k or math for a JSONL file`);
    const split = d.split ?? 'train';
    if (!(ARITH_SPLITS as readonly string[]).includes(split)) {
      throw new DatasetError(`data.split "${split}" is not an arith split; use one of ${ARITH_SPLITS.join(', ')}`);
    }
    return loadProblems(`arith-${split}`, { count: d.count, difficulty: d.difficulty });
  }
  if (d.file === undefined) throw new DatasetError(`data.task ${d.task} reads a JSONL file; set data.file to it (e.g. data/${d.task}-train.jsonl)`);
  return loadJsonlProblems(d.file, d.task);
}

/**
 * The task a data spec of `thinktune eval --data` names: `arith-<split>` is the built-in world; a JSONL
 * file is math when its first row has "problem" and no "question", else gsm8k (the loader then checks
 * every row against that layout).
 */
export function taskOfDataSpec(spec: string): TaskName {
  if (/^arith-[a-z]+$/.test(spec)) return 'arith';
  let first: unknown = null;
  try {
    const line = readFileSync(spec, 'utf8')
      .split('\n')
      .find((l) => l.trim() !== '');
    first = line === undefined ? null : JSON.parse(line);
  } catch {
    return 'gsm8k'; // unreadable or not JSON: the loader says what is wrong, with the line
  }
  const row = typeof first === 'object' && first !== null ? (first as Record<string, unknown>) : {};
  return 'problem' in row && !('question' in row) ? 'math' : 'gsm8k';
}
