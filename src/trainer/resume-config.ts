/**
 * The configuration a run starts or resumes with. A new run: defaults, then --config, then --set. A
 * resumed run: its own saved config.json, which is what its checkpoints were trained with; --set (and
 * a --config that differs from it) may only change the keys the dashboard's `:set` may change mid-run
 * (settableKeys), and every such change is reported. Changing anything else (the model, group size, run
 * length, the loss) would make the resumed run a different experiment under the old run's name.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import {
  applyOverrides,
  applySetting,
  describeKeys,
  getSetting,
  loadTrainConfig,
  parseTrainConfig,
  settableKeys,
  type TrainConfig,
} from '../config/train-config.js';
import { parseAssignment, showValue } from '../config/key-paths.js';
import { RunDirError } from './run-dir.js';

export interface RunConfigRequest {
  configFile?: string;
  sets?: readonly string[];
  runDir?: string;
  resume?: boolean;
}

/** A mid-run key a resume changed from the run's saved value, and what said so. */
export interface ResumeChange {
  key: string;
  from: unknown;
  to: unknown;
  via: '--config' | '--set';
}

export interface RunConfig {
  config: TrainConfig;
  /** Resumed runs only: the saved settings this start changed (empty otherwise). */
  changes: ResumeChange[];
}

const same = (a: unknown, b: unknown) => JSON.stringify(a) === JSON.stringify(b);

/** The run's saved config.json, validated; one-line errors for a folder that holds no run. */
export function savedRunConfig(runDir: string): TrainConfig {
  if (!existsSync(runDir) || !statSync(runDir).isDirectory()) {
    throw new RunDirError(`--resume: there is no run folder ${runDir}; pass the --run-dir of an earlier run`);
  }
  const file = join(runDir, 'config.json');
  if (!existsSync(file)) throw new RunDirError(`--resume: ${runDir} has no config.json, so it holds no run to resume; start one there without --resume`);
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new RunDirError(`--resume: ${file} is not JSON (${(e as Error).message.split('\n')[0]}); restore it, or start a new run in another --run-dir`);
  }
  try {
    return parseTrainConfig(raw);
  } catch (e) {
    throw new RunDirError(`--resume: the run's saved ${file} does not validate (${(e as Error).message}); fix that key there`);
  }
}

export function runConfig(req: RunConfigRequest): RunConfig {
  const sets = req.sets ?? [];
  if (!req.resume) return { config: loadTrainConfig(req.configFile, sets), changes: [] };
  if (req.runDir === undefined) throw new RunDirError('--resume needs --run-dir DIR: the folder of the run to continue');
  const dir = resolve(req.runDir);
  let config = savedRunConfig(dir);
  const changes: ResumeChange[] = [];
  const change = (key: string, to: unknown, via: ResumeChange['via'], shown: string) => {
    const from = getSetting(config, key);
    if (!settableKeys().includes(key)) {
      throw new RunDirError(
        `--resume: ${shown} sets ${key} to ${showValue(to)}, but the run was trained with ${showValue(from)} and ${key} cannot change on resume; ` +
          `drop it to resume the run as it was, or start a new run (keys that may change: ${settableKeys().join(', ')})`,
      );
    }
    config = applySetting(config, key, to);
    changes.push({ key, from, to: getSetting(config, key), via });
  };
  const setKeys = new Set(sets.map((s) => parseAssignment(s).key));
  const viaOf = (key: string): ResumeChange['via'] => (setKeys.has(key) ? '--set' : '--config');
  // What the flags ask for: --config and --set over the defaults (as a new run would read them), or
  // --set alone over the saved config. A value equal to the saved one is no change (the dashboard
  // restarts a crashed worker with the flags it started with).
  let requested: TrainConfig;
  if (req.configFile !== undefined) requested = loadTrainConfig(req.configFile, sets);
  else {
    const over = structuredClone(config) as Record<string, unknown>;
    applyOverrides(over, sets);
    requested = parseTrainConfig(over);
  }
  for (const { key } of describeKeys()) {
    const v = getSetting(requested, key);
    if (same(v, getSetting(config, key))) continue;
    const via = viaOf(key);
    const shown = via === '--set' ? `--set ${sets.filter((s) => parseAssignment(s).key === key).at(-1)}` : `--config ${req.configFile}`;
    change(key, v, via, shown);
  }
  return { config, changes };
}
