/**
 * The `thinktune` command. Each subcommand lives in its own file; this one parses arguments
 * (commander), picks the backend once (printing which and why, on stderr so `--json` stays clean) and
 * turns errors into one line.
 */
import { Command, Option } from 'commander';
import { selectBackend, describeBackend } from '../backend/select.js';
import { reportError } from './errors.js';
import { scoreCommand } from './score.js';
import { benchCommand } from './bench.js';
import { trainHeadless } from './train.js';

async function withBackend(opts: { backend?: string }) {
  const choice = await selectBackend(opts.backend);
  process.stderr.write(`thinktune ${describeBackend(choice)}\n`);
  return choice;
}

const collect = (v: string, prev: string[]) => [...prev, v];

export function buildProgram(): Command {
  const program = new Command('thinktune')
    .description('ThinkTuning: GRPO with same-size teacher feedback, on TensorFlow.js')
    .showHelpAfterError('(run `thinktune --help` for usage)');
  const backendOpt = () => new Option('--backend <name>', 'tensorflow-gpu | tensorflow | wasm | cpu (default: first that loads; env THINKTUNE_BACKEND)');

  program.command('score')
    .description('log-prob of each next token of a sequence, and the full distribution after its last token')
    .requiredOption('--model <dir>', 'model folder (config.json + model.safetensors)')
    .option('--ids <list>', 'token ids, comma-separated')
    .option('--text <text>', 'text, encoded with the model tokenizer (BOS added when it has one)')
    .option('--json', 'print {"ids", "next_token_logprobs", "last_logprobs"}')
    .addOption(backendOpt())
    .action(async (o) => { await withBackend(o); await scoreCommand(o); });

  program.command('bench')
    .description('training and generation speed on the reference size (vocab 64, hidden 128, 4 layers)')
    .option('--json', 'print the figures as JSON')
    .option('--quick', 'one repetition of each (for smoke tests)')
    .addOption(backendOpt())
    .action(async (o) => { await withBackend(o); benchCommand(o); });

  program.command('train')
    .description('train with ThinkTuning (or plain GRPO with guidance.enabled=false)')
    .option('--config <file>', 'JSON or YAML config (defaults: the built-in arithmetic world)')
    .option('--set <key=value>', 'override one config key, e.g. --set grpo.groupSize=8 (repeatable)', collect, [])
    .option('--run-dir <dir>', 'run folder (default: <run.runDir>/<timestamp>)')
    .option('--max-steps <n>', 'stop after n steps in this invocation')
    .option('--resume', 'continue from the newest complete checkpoint in --run-dir')
    .option('--headless', 'no dashboard: one line per step (keeps running under nohup/tmux)')
    .addOption(backendOpt())
    .action(async (o) => {
      const backend = await withBackend(o);
      process.exitCode = await trainHeadless(o, backend);
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    return reportError(e);
  }
}

process.exitCode = await main(process.argv);
