/**
 * `thinktune train`: a ThinkTuning (or plain GRPO) run from a config file. With --headless, or when
 * stdout is not a terminal, it prints one line per step and keeps running after the terminal goes
 * away (under nohup or tmux); otherwise it opens the dashboard.
 */
import { loadTrainConfig } from '../config/train-config.js';
import { Trainer } from '../trainer/trainer.js';
import { ProgressPrinter } from '../trainer/print.js';
import type { BackendChoice } from '../backend/select.js';

export interface TrainArgs {
  config?: string;
  set?: string[];
  runDir?: string;
  maxSteps?: string;
  headless?: boolean;
  resume?: boolean;
}

export function resolveTrainConfig(a: TrainArgs) {
  return loadTrainConfig(a.config, a.set ?? []);
}

export async function trainHeadless(a: TrainArgs, backend: BackendChoice): Promise<number> {
  const config = resolveTrainConfig(a);
  const trainer = await Trainer.create({
    config, runDir: a.runDir, resume: a.resume, maxSteps: a.maxSteps !== undefined ? Number(a.maxSteps) : undefined,
    backend: { name: backend.name, reason: backend.reason },
  });
  // Ctrl-C / SIGTERM: finish the current step, save, stop. A second signal exits at once.
  let signals = 0;
  const onSignal = () => {
    if (++signals > 1) process.exit(130);
    process.stderr.write('stopping after this step (checkpoint will be saved; press Ctrl-C again to exit now)\n');
    trainer.command({ type: 'stop', save: true });
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let code = 0;
  // Every line, warnings and errors included, goes to stdout: one log in order (compare's children read it).
  const printer = new ProgressPrinter({ totalSteps: config.run.totalSteps });
  try {
    for await (const e of trainer.run()) {
      const line = printer.line(e);
      if (line) process.stdout.write(line.text + '\n');
      if (e.type === 'fatal') code = 1;
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
    trainer.dispose();
  }
  return code;
}
