/**
 * The `thinktune` command. Each subcommand lives in its own file; this one parses arguments
 * (commander), picks the backend once (printing which and why, on stderr so `--json` stays clean) and
 * turns errors into one line.
 */
import { Command, CommanderError, Option } from 'commander';
import { editDistance } from '../config/key-paths.js';
import { selectBackend, describeBackend } from '../backend/select.js';
import { reportError, UsageError } from './errors.js';
import { packageVersion } from '../paths.js';
import { scoreCommand } from './score.js';
import { benchCommand } from './bench.js';
import { trainHeadless, type TrainArgs } from './train.js';
import { isInteractiveTerminal, trainWithDashboard, watchWithDashboard } from './dashboard.js';
import { EVAL_DEFAULTS } from '../eval/evaluate.js';
import { evalCommand } from './eval.js';
import { compareCommand } from './compare.js';
import { pretrainCommand } from './pretrain.js';
import { probeCommand } from './probe.js';
import { configCommand } from './config.js';

async function withBackend(opts: { backend?: string }) {
  const choice = await selectBackend(opts.backend);
  process.stderr.write(`thinktune ${describeBackend(choice)}\n`);
  return choice;
}

const collect = (v: string, prev: string[]) => [...prev, v];

/** Dashboard on a terminal (the worker picks and reports the backend), else one line per step. */
async function train(o: TrainArgs & { backend?: string }): Promise<number> {
  if (!o.headless && !o.json && (await isInteractiveTerminal())) return trainWithDashboard(o);
  return trainHeadless(o, await withBackend(o));
}

export function buildProgram(): Command {
  const program = new Command('thinktune')
    .description('ThinkTuning: GRPO with same-size teacher feedback, on TensorFlow.js')
    .version(packageVersion(), '-V, --version', 'print the version and exit')
    .enablePositionalOptions()
    // Usage errors are thinktune: lines too, with where to look; commander throws instead of exiting (main).
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(usageLine(text)) })
    // No subcommand: the main job, ThinkTuning on the built-in world with the shipped model.
    .option('--headless', 'no dashboard: one line per step')
    .addOption(new Option('--backend <name>', 'tensorflow-gpu | tensorflow | wasm | cpu'))
    // A word that is no subcommand reaches this action (the bare command trains): say which exist.
    .allowExcessArguments()
    .action(async (o) => {
      const command = program.args[0];
      if (command !== undefined)
        throw new UsageError(
          unknownCommand(
            command,
            program.commands.map((c) => c.name()),
          ),
        );
      process.exitCode = await train({ ...o, set: [] });
    });
  const backendOpt = () => new Option('--backend <name>', 'tensorflow-gpu | tensorflow | wasm | cpu (default: first that loads; env THINKTUNE_BACKEND)');

  program
    .command('score')
    .description('log-prob of each next token of a sequence, and the full distribution after its last token')
    .requiredOption('--model <dir>', 'model folder (config.json + model.safetensors)')
    .option('--ids <list>', 'token ids, comma-separated')
    .option('--text <text>', 'text, encoded with the model tokenizer (BOS added when it has one)')
    .option('--json', 'print {"ids", "next_token_logprobs", "last_logprobs"}')
    .addOption(backendOpt())
    .action(async (o) => {
      await withBackend(o);
      await scoreCommand(o);
    });

  program
    .command('bench')
    .description('training and generation speed (reference: vocab 64, hidden 128, 4 layers; large: vocab 32000, hidden 512, 8 layers)')
    .option('--size <name>', 'reference, large or all', 'reference')
    .option('--pytorch <python>', 'also run scripts/bench_pytorch.py with this python (torch + transformers) and report the ratios')
    .option('--threads <n>', 'torch threads for --pytorch; a comma list (1,2) runs PyTorch once per count and compares with the fastest', '2')
    .option('--profile', 'per-stage and per-kernel breakdown of a training step')
    .option('--json', 'print the figures as JSON')
    .option('--quick', 'one repetition of each (for smoke tests)')
    .addOption(backendOpt())
    .action(async (o) => {
      await withBackend(o);
      await benchCommand(o);
    });

  program
    .command('train')
    .description('train with ThinkTuning (or plain GRPO with guidance.enabled=false)')
    .option('--config <file>', 'JSON or YAML config (defaults: the built-in arithmetic world)')
    .option('--set <key=value>', 'override one config key, e.g. --set grpo.groupSize=8 (repeatable)', collect, [])
    .option('--run-dir <dir>', 'run folder (default: <run.runDir>/<timestamp>)')
    .option('--max-steps <n>', 'stop after n steps in this invocation')
    .option(
      '--resume',
      'continue the run in --run-dir from its newest whole checkpoint, with its saved config.json (--set may change only the keys :set may change mid-run)',
    )
    .option('--overwrite', 'start a new run in a --run-dir that holds one, removing its logs and checkpoints (without it, such a folder is refused)')
    .option('--headless', 'no dashboard: one line per step (keeps running under nohup/tmux)')
    .option('--json', 'no dashboard: every event as a JSON line on stdout, {"v":1,"kind":"event","event":{...}} (the protocol the dashboard reads)')
    .addOption(backendOpt())
    .action(async (o) => {
      process.exitCode = await train(o);
    });

  program
    .command('watch')
    .description(
      'the dashboard on a run folder, read-only: follows its files; pause/resume/step/save/stop go to its control.jsonl. A second run folder draws its reward beside the first (GRPO vs ThinkTuning); a folder of run folders opens the newest',
    )
    .argument('<run-dir>', 'the folder a run writes (config.json, metrics.jsonl, rollouts.jsonl), or a folder of them (the newest is watched)')
    .argument('[compare-dir]', 'a second run folder whose reward curve is drawn under the first (read-only, metrics.jsonl only)')
    .action(async (runDir: string, compareDir: string | undefined) => {
      process.exitCode = await watchWithDashboard(runDir, compareDir);
    });

  program
    .command('config')
    .description(
      "the configuration a run would use (defaults, --config, --set; or a run folder's saved one), or --keys: every key, its default and what it does",
    )
    .option('--config <file>', 'JSON or YAML config to resolve')
    .option('--set <key=value>', 'override one key (repeatable)', collect, [])
    .option('--run-dir <dir>', 'print the saved configuration a --resume of this run folder uses')
    .option('--keys', 'list every key with its default, whether :set may change it mid-run, and its description')
    .option('--json', 'JSON instead of YAML')
    .action((o) => {
      configCommand(o);
    });

  program
    .command('probe')
    .description("the built-in world's base-model probes: student accuracy and teacher correction on held-out problems")
    .option('--model <dir>', "model folder or 'builtin'", 'builtin')
    .option('--split <name>', 'test | validation', 'test')
    .option('--limit <n>', 'problems', '200')
    .option('--prompts <dir>', 'teacher templates', 'prompts')
    .option('--json', 'print the figures as JSON')
    .addOption(backendOpt())
    .action(async (o) => {
      await withBackend(o);
      await probeCommand(o);
    });

  program
    .command('pretrain')
    .description("train the built-in world's base model from scratch (student + teacher in one checkpoint)")
    .option('--task <name>', 'task world', 'arith')
    .option('--out <dir>', 'output model folder (default: the shipped checkpoints/arith-base)')
    .option('--seed <n>', 'seed', '1')
    .option('--docs <n>', 'distinct training documents', '60000')
    .option('--slip-rate <p>', 'share of student solutions with one arithmetic slip', '0.35')
    .option('--teacher-fraction <p>', 'share of documents that are teacher answers', '0.2')
    .option('--drill-fraction <p>', 'share of documents that are arithmetic drills (eight correct step lines)', '0')
    .option(
      '--review-fraction <p>',
      "share of documents that are reviews: 'Checked answer:', an attempt, then a reflection as the teacher appends it (student documents never reflect)",
      '0',
    )
    .option(
      '--misread-rate <p>',
      "share of problems with a 'k times as many as before' step that the student documents (and the attempts the teacher sees) misread as k more",
      '0',
    )
    .option('--batch-tokens <n>', 'tokens per step: one document per row, similar lengths batched together', '2048')
    .option('--steps <n>', 'optimizer steps', '2000')
    .option('--lr <x>', 'peak learning rate (warmup then cosine to 10%)', '0.003')
    .option('--warmup <n>', 'warmup steps', '50')
    .option('--time-limit <min>', 'stop and save after this many minutes (0 = none)', '0')
    .option('--eval-every <n>', 'probe student/teacher accuracy and save every n steps', '250')
    .option('--eval-problems <n>', 'held-out problems per probe', '60')
    .option('--hidden <n>', 'hidden size (default 128)')
    .option('--layers <n>', 'layers (default 4)')
    .option('--intermediate <n>', 'MLP size (default 384)')
    .option('--prompts <dir>', 'teacher templates the corpus is rendered with', 'prompts')
    .option('--init <dir>', 'continue from this model folder (a second stage) instead of a fresh model')
    .option('--loss <which>', 'train on all tokens of a document, or only its completion (solution / teacher answer)', 'all')
    .addOption(backendOpt())
    .action(async (o) => {
      await withBackend(o);
      await pretrainCommand(o, process.argv);
    });

  program
    .command('eval')
    .description('accuracy (pass@1, maj@K, pass@K) and reflection rate of a model on a problem set')
    .requiredOption('--model <dir>', "model folder (config.json + weights + tokenizer.json), or 'builtin'")
    .requiredOption('--data <spec>', 'arith-test | arith-validation | a JSONL file (GSM8K or MATH-500 layout)')
    .option('--limit <n>', 'evaluate only the first n problems')
    .option(
      '--samples <k>',
      'also draw k samples per problem for maj@k, pass@k, mean@k (sampled accuracy) and the sampled reflection rate (default 1: greedy only)',
    )
    .option('--temperature <t>', `temperature of the k samples (default ${EVAL_DEFAULTS.temperature.toFixed(1)}; pass@1 is always greedy)`)
    .option('--max-new-tokens <n>', `response length cap in tokens (default ${EVAL_DEFAULTS.maxNewTokens})`)
    .option('--seed <n>', `seed of the sampler (default ${EVAL_DEFAULTS.seed})`)
    .option('--json', 'print protocol lines: {"v":1,"kind":"eval","event":{"type":"eval-progress",...}} while running, then an eval-result event')
    .option('--job-id <id>', 'the id the --json events carry (default: eval)')
    .option('--out <file>', 'write metrics and per-problem records as JSON')
    .option('--task <name>', "arith | gsm8k | math: the prompt's default instruction (default: a run checkpoint's own task, else from the data)")
    .option('--prompt-config <file>', "a run's config.json: prompt the model as that run prompts its student (its data.task and prompt section)")
    .option('--system <text>', "system message for a chat template (default: a run checkpoint's own, else none)")
    .option('--instruction <text>', "line after each question: 'auto' = the task's default, '' = none (default: a run checkpoint's own, else auto)")
    .option('--chat-template <mode>', "auto: prompt through the tokenizer's chat template when it has one; off: plain prompts")
    .addOption(backendOpt())
    .action(async (o) => {
      await withBackend(o);
      await evalCommand(o);
    });

  program
    .command('compare')
    .description(
      "zero-shot and the config's methods (default GRPO and ThinkTuning) over several seeds, paired by seed, with paired tests against a reference; writes results.json and table.md",
    )
    .option(
      '--config <file>',
      'JSON or YAML train config, optionally with methods, primary and reference (defaults: the built-in arithmetic world, GRPO and ThinkTuning)',
    )
    .option('--seeds <n>', 'seeds per trained method (run.seed = 1..n; default 3)')
    .option('--out <dir>', 'results folder (default results/compare-<timestamp>)')
    .option('--limit <n>', 'held-out test problems evaluated (default 200)')
    .option('--test-data <spec>', 'held-out test problems: arith-test (the default for the built-in world) or a JSONL file (required for gsm8k / math)')
    .option('--max-new-tokens <n>', "response cap at evaluation (default the config's grpo.maxNewTokens)")
    .option(
      '--samples <k>',
      'also k samples per test problem at the training temperature: sampled accuracy (mean@k), pass@k and sampled reflection rate (default 1: greedy only)',
    )
    .option('--set <key=value>', 'override one config key for every method (repeatable)', collect, [])
    .option(
      '--method <name:key=value,...>',
      "a method as config overrides, e.g. 'luffy:guidance.shaping=luffy' (also label=, matchTokensOf=); repeatable, replaces the config's methods",
      collect,
      [],
    )
    .option('--reference <name>', "the method every other is tested against (default: the config's reference, else grpo)")
    .option('--jobs <n>', 'runs at once, each in its own child processes (default 1: one after another, in this process)')
    .addOption(new Option('--train-job <file>', "internal: a compute-matched run's child process (written by --jobs)").hideHelp())
    .option(
      '--continue',
      'go on with the comparison already in --out: its finished runs are kept, unfinished ones run again, seeds up to --seeds added (same config and flags as before)',
    )
    .option('--report <dir>', 'write table.md again from <dir>/results.json, also of a comparison still running or cut short (with --config: its title)')
    .addOption(backendOpt())
    .action(async (o) => {
      const backend = await withBackend(o);
      await compareCommand(o, backend, process.argv.slice(2));
    });

  program
    .command('setup-backend')
    .description("build the native backend against a current TensorFlow (a pip wheel's libraries) instead of tfjs-node's libtensorflow 2.9.1 download")
    .argument('<backend>', 'tensorflow | tensorflow-gpu')
    .option(
      '--from <path>',
      'a TensorFlow wheel (.whl) or the site-packages folder that holds tensorflow/ (default: the TensorFlow pip installed, else pip downloads one into ~/.cache/thinktune)',
    )
    .option('--pip <pip>', 'the pip that finds or downloads TensorFlow (default: pip3 or pip on PATH)')
    .action(async (backend: string, o: { from?: string; pip?: string }) => {
      const { setupBackendCommand } = await import('./setup-backend.js'); // no backend is loaded for this one
      await setupBackendCommand(backend, o);
    });

  return program;
}

/** commander's "error: unknown option '--x'" as a thinktune: line that says where the usage is. */
function usageLine(text: string): string {
  return `thinktune: ${text.trim().replace(/^error: /, '')}; see thinktune --help (or thinktune <command> --help)\n`;
}

function unknownCommand(name: string, known: string[]): string {
  const near = known.find((k) => editDistance(k, name.toLowerCase()) <= 2);
  return `unknown command '${name}'${near ? ` (did you mean ${near}?)` : ''}; the commands are ${known.join(', ')}`;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    // Help and --version end the same way (exit 0); a usage error was already printed by usageLine.
    if (e instanceof CommanderError) return e.exitCode;
    return reportError(e);
  }
}

process.exitCode = await main(process.argv);
