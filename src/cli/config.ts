/**
 * `thinktune config`: what a run would be trained with, before training it. Without flags it prints the
 * defaults; with --config and --set the resolved configuration (the same loader and checks as `train`,
 * so a bad key fails here with the same one line); with --run-dir DIR the configuration a `--resume`
 * there would use. `--keys` lists every key with its default, whether `:set` may change it mid-run, and
 * what it does. YAML by default (what a config file is written in), JSON with --json.
 */
import YAML from 'yaml';
import { describeKeys, loadTrainConfig } from '../config/train-config.js';
import { savedRunConfig } from '../trainer/resume-config.js';

export interface ConfigArgs {
  config?: string;
  set?: string[];
  runDir?: string;
  keys?: boolean;
  json?: boolean;
}

const shown = (v: unknown) => (v === undefined ? '(unset)' : typeof v === 'string' ? v : JSON.stringify(v));

export function configCommand(a: ConfigArgs): void {
  if (a.keys) {
    const keys = describeKeys();
    if (a.json) {
      process.stdout.write(JSON.stringify(keys, null, 2) + '\n');
      return;
    }
    const width = Math.max(...keys.map((k) => k.key.length));
    const lines = keys.map((k) => `${k.key.padEnd(width)}  ${shown(k.default)}${k.midRun ? '  [mid-run]' : ''}\n${' '.repeat(width + 2)}${k.doc}`);
    process.stdout.write(`${lines.join('\n')}\n\n[mid-run]: :set in the dashboard, and --set on --resume, may change it\n`);
    return;
  }
  const config = a.runDir !== undefined ? savedRunConfig(a.runDir) : loadTrainConfig(a.config, a.set ?? []);
  process.stdout.write(a.json ? JSON.stringify(config, null, 2) + '\n' : YAML.stringify(config));
}
