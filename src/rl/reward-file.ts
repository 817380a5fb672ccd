/**
 * Reward functions from the config: built-ins by name, or a user's ES module by file, as in TRL's
 * `reward_funcs` (a callable that scores one completion). An entry is `{ name, weight }` (a built-in) or
 * `{ file, weight, name? }`; the module exports `default` or `reward`, a function of the RewardContext
 * ({ prompt, completion, answer, sample, ... }) returning a number or null.
 *
 * Relative files resolve against the working directory when loaded (as data.file and model.checkpoint
 * do), so the config keeps the path as written. Every failure is a one-line RewardError naming the
 * entry and the fix, at load time (missing file, import error, no function, duplicate names) or when a
 * file reward returns something that is not a score (see `guarded`).
 */
import { statSync } from 'node:fs';
import { basename, extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { BUILTIN_REWARDS, RewardError, builtinReward, type RewardContext, type RewardFn, type WeightedReward } from './rewards.js';

/** One grpo.rewards entry, as written in a config (name optional when file is given). */
export interface RewardEntry {
  name?: string;
  file?: string;
  weight: number;
}

export interface LoadRewardOptions {
  /** Folder that relative files resolve against; default process.cwd(). */
  cwd?: string;
  /** Key named in messages; default 'grpo.rewards'. */
  key?: string;
}

/** A reward name keys the `rewards/<name>/mean` metric, so it holds no '/' or spaces. */
const REWARD_NAME = /^[A-Za-z0-9_]+$/;

/** The name a file reward gets when its entry has none: the file's base name, e.g. ./my-reward.mjs -> my_reward. */
export function rewardNameFromFile(file: string): string {
  return basename(file, extname(file)).replace(/[^A-Za-z0-9_]/g, '_');
}

/** The name an entry's reward is logged under: its name, else its file's (undefined when it has neither). */
export function effectiveRewardName(entry: { name?: string; file?: string }): string | undefined {
  return entry.name ?? (entry.file !== undefined ? rewardNameFromFile(entry.file) : undefined);
}

/**
 * What is wrong with a list of entries, as one-line messages (`<key>[i]... ; <fix>`), in entry order; empty
 * when every entry names a built-in or a file, names are usable, and no two share an effective name.
 * Shared by the config schema (before anything is loaded) and `loadRewardFunctions`.
 */
export function rewardEntryProblems(entries: readonly { name?: string; file?: string }[], key = 'grpo.rewards'): string[] {
  const problems: string[] = [];
  const firstWith = new Map<string, number>();
  const builtins = Object.keys(BUILTIN_REWARDS).join(', ');
  entries.forEach((e, i) => {
    const at = `${key}[${i}]`;
    if (e.file === undefined && e.name === undefined) {
      problems.push(
        `${at} has neither name nor file; give a built-in name (${builtins}) or a file, e.g. {"name":"accuracy","weight":1} or {"file":"./my-reward.mjs","weight":1}`,
      );
      return;
    }
    if (e.file === undefined && !Object.hasOwn(BUILTIN_REWARDS, e.name!)) {
      problems.push(`${at}.name ${e.name} is not a built-in reward; use one of ${builtins}, or set ${at}.file to a module that exports the function`);
      return;
    }
    const name = effectiveRewardName(e)!;
    if (!REWARD_NAME.test(name)) {
      problems.push(
        e.name !== undefined
          ? `${at}.name "${name}" may hold only letters, digits and _ (it keys the rewards/<name>/mean metric); write e.g. ${name.replace(/[^A-Za-z0-9_]/g, '_') || 'my_reward'}`
          : `${at}.file ${e.file} has no base name to name the reward after; set ${at}.name, e.g. my_reward`,
      );
      return;
    }
    const first = firstWith.get(name);
    if (first !== undefined) {
      problems.push(`${at} is named ${name}, as is ${key}[${first}]; list each reward once, or give one of them a distinct "name"`);
      return;
    }
    firstWith.set(name, i);
  });
  return problems;
}

const firstLine = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)).split('\n')[0];

/** A returned value as a message shows it: JSON where it has one, cut short so the message stays one line. */
function shown(v: unknown): string {
  if (v === undefined) return 'nothing (undefined)';
  if (typeof v === 'number' || typeof v === 'bigint') return typeof v === 'bigint' ? `${v}n` : String(v);
  if (typeof v === 'function') return 'a function';
  let s: string;
  try {
    s = JSON.stringify(v) ?? String(v);
  } catch {
    s = String(v);
  }
  return s.length > 40 ? `${s.slice(0, 37)}...` : s;
}

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  (typeof v === 'object' || typeof v === 'function') && v !== null && typeof (v as { then?: unknown }).then === 'function';

/**
 * The user's function as a RewardFn that returns a finite number or null, or throws a RewardError saying
 * what it did instead. The trainer scores every rollout synchronously, so a Promise is an error too (its
 * eventual rejection is silenced: it would otherwise end the process as an unhandled rejection).
 */
function guarded(name: string, file: string, fn: (ctx: RewardContext) => unknown): RewardFn {
  const who = `reward ${name} (${file})`;
  return (ctx) => {
    let value: unknown;
    try {
      // A copy, so a function that reassigns a field does not change what the next function sees.
      value = fn({ ...ctx });
    } catch (e) {
      throw new RewardError(`${who} threw for a completion (${firstLine(e)}); fix it, or return null for completions it cannot score`);
    }
    if (value === null) return null;
    if (typeof value === 'number' && Number.isFinite(value)) return value;
    if (isThenable(value)) {
      Promise.resolve(value).catch(() => {});
      throw new RewardError(
        `${who} returned a Promise for a completion; rewards are called synchronously, so make it synchronous (no async, no await) and return a finite number or null`,
      );
    }
    throw new RewardError(`${who} returned ${shown(value)} for a completion; return a finite number or null`);
  };
}

/** The reward function a module exports: `default`, else `reward` (also on a CommonJS module.exports object). */
function exportedFunction(mod: Record<string, unknown>): ((ctx: RewardContext) => unknown) | undefined {
  const def = mod.default as Record<string, unknown> | undefined;
  for (const candidate of [def, mod.reward, def?.reward]) {
    if (typeof candidate === 'function') return candidate as (ctx: RewardContext) => unknown;
  }
  return undefined;
}

async function loadFileReward(name: string, file: string, at: string, cwd: string): Promise<RewardFn> {
  const path = resolve(cwd, file);
  let isFile: boolean;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new RewardError(
      `${at}.file ${file} does not exist (looked for ${path}); relative paths are read from the folder thinktune runs in, so fix the path or run from the folder that holds it`,
    );
  }
  if (!isFile) throw new RewardError(`${at}.file ${file} is not a file (${path}); point it at the .mjs module that exports the reward function`);
  let mod: Record<string, unknown>;
  try {
    mod = (await import(pathToFileURL(path).href)) as Record<string, unknown>;
  } catch (e) {
    // Node's ESM SyntaxError carries no line number; `node --check` prints it.
    const hint = e instanceof SyntaxError ? `run \`node --check ${file}\` to see the line, then fix it` : 'fix the module so that it loads';
    throw new RewardError(`${at}.file ${file} failed to load (${firstLine(e)}); ${hint}`);
  }
  const fn = exportedFunction(mod);
  if (!fn) {
    const names = Object.keys(mod);
    throw new RewardError(
      `${at}.file ${file} exports no reward function (exports: ${names.length ? names.join(', ') : 'none'}); write \`export default function (ctx) { ... }\` or \`export function reward(ctx) { ... }\``,
    );
  }
  return guarded(name, file, fn);
}

/**
 * The weighted reward functions of `entries` (built-ins and files alike), in entry order, ready for
 * combineRewards. Throws the first problem as a RewardError (see `rewardEntryProblems`, then the files:
 * missing, not loading, exporting no function).
 */
export async function loadRewardFunctions(entries: readonly RewardEntry[], opts: LoadRewardOptions = {}): Promise<WeightedReward[]> {
  const key = opts.key ?? 'grpo.rewards';
  const cwd = opts.cwd ?? process.cwd();
  const problems = rewardEntryProblems(entries, key);
  if (problems.length) throw new RewardError(problems[0]);
  const out: WeightedReward[] = [];
  for (const [i, e] of entries.entries()) {
    if (!Number.isFinite(e.weight)) throw new RewardError(`${key}[${i}].weight must be a finite number (got ${shown(e.weight)}); set it to e.g. 1`);
    const name = effectiveRewardName(e)!;
    const fn = e.file !== undefined ? await loadFileReward(name, e.file, `${key}[${i}]`, cwd) : builtinReward(name);
    out.push({ name, fn, weight: e.weight });
  }
  return out;
}
