/** `thinktune probe`: the built-in world's base-model probes (student accuracy, teacher correction) on held-out problems. */
import { loadModel } from '../model/io.js';
import { loadTemplates } from '../prompts/templates.js';
import { builtinModelDir, resolvePromptsDir } from '../paths.js';
import { heldOutProblems, probeBaseModel } from '../world/base-model.js';
import { wholeArg } from './args.js';
import { UsageError } from './errors.js';

export async function probeCommand(a: { model: string; split: string; limit: string; json?: boolean; prompts: string }): Promise<void> {
  if (a.split !== 'test' && a.split !== 'validation') throw new UsageError(`--split must be test or validation (got "${a.split}")`);
  const n = wholeArg('--limit', a.limit, 1)!;
  const { model, tokenizer } = await loadModel(a.model === 'builtin' ? builtinModelDir() : a.model);
  let p: ReturnType<typeof probeBaseModel>;
  try {
    if (!tokenizer) throw new UsageError(`${a.model} has no tokenizer.json; copy the model's tokenizer next to its weights`);
    p = probeBaseModel(model, tokenizer, loadTemplates(resolvePromptsDir(a.prompts)), heldOutProblems(a.split, n));
  } finally {
    model.dispose();
  }
  if (a.json) {
    process.stdout.write(JSON.stringify({ split: a.split, ...p }) + '\n');
    return;
  }
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  const rows: [string, string][] = [
    ['student accuracy (greedy)', pct(p.studentAccuracy)],
    ['student reflection rate', pct(p.studentReflection)],
    ['teacher answers that parse', pct(p.teacherParseRate)],
    ['teacher verdict accuracy', pct(p.teacherVerdictAccuracy)],
    ['teacher correction accuracy', pct(p.teacherCorrectionAccuracy)],
    ['teacher fix rate (wrong attempts)', pct(p.teacherFixRate)],
  ];
  process.stdout.write(`${p.n} ${a.split} problems\n` + rows.map(([k, v]) => `${k.padEnd(36)} ${v}`).join('\n') + '\n');
}
