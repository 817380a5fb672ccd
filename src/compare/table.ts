/**
 * Spread over seeds and the markdown table of a comparison: per method, mean ± sample standard
 * deviation (n - 1 in the denominator; undefined for one seed) and the min–max range of each metric.
 * The sections under it (paired tests, repairs, budgets, what it says) are report.ts's.
 */
import type { EvalMetrics } from '../eval/scoring.js';
import { spread, type Spread } from './stats.js';
import { comparisonSections, isDefaultComparison, primaryLine, type ComparisonContext } from './report.js';

export { spread, type Spread } from './stats.js';

/** The default comparison's methods (methods.ts DEFAULT_METHODS, zero-shot first). */
export const METHODS = ['zero-shot', 'grpo', 'thinktuning'] as const;
/** A method's name: zero-shot or a listed method's name. */
export type Method = string;

export const METHOD_LABELS: Record<string, string> = { 'zero-shot': 'zero-shot (base)', grpo: 'GRPO', thinktuning: 'ThinkTuning' };

/** A column of the table: a metric key of EvalMetrics, or `train_seconds` (the training wall time). */
export interface TableColumn {
  key: string;
  label: string;
  digits: number;
}

/** The columns; with K > 1 samples per problem also the sampled accuracy and reflection rate. */
export function tableColumns(samples = 1): TableColumn[] {
  const sampled = samples > 1;
  return [
    { key: 'pass@1', label: 'accuracy (pass@1, greedy)', digits: 3 },
    ...(sampled
      ? [
          { key: `mean@${samples}`, label: `sampled accuracy (mean@${samples})`, digits: 3 },
          { key: `pass@${samples}`, label: `pass@${samples}`, digits: 3 },
        ]
      : []),
    { key: 'reflection_rate', label: 'reflection rate (greedy)', digits: 3 },
    ...(sampled ? [{ key: 'sampled_reflection_rate', label: 'reflection rate (sampled)', digits: 3 }] : []),
    { key: 'mean_length', label: 'mean length (tokens)', digits: 1 },
    { key: 'train_seconds', label: 'train wall time (s)', digits: 1 },
  ];
}

export interface MethodRow {
  method: Method;
  /** The table's name for it (default: METHOD_LABELS, else the name). */
  label?: string;
  /** Seeds whose run finished and was evaluated. */
  runs: number;
  failed: number;
  /** Spread per column key (absent when no run finished, or when a run lacks that metric). */
  columns: Record<string, Spread>;
}

/** One finished run's numbers as the table reads them. */
export interface RunFigures {
  metrics: EvalMetrics | null;
  trainSeconds: number;
}

export function methodRow(
  method: Method,
  runs: readonly RunFigures[],
  deterministic: boolean,
  layout: TableColumn[] = tableColumns(),
  label?: string,
): MethodRow {
  const ok = runs.filter((r) => r.metrics !== null);
  const columns: MethodRow['columns'] = {};
  if (ok.length > 0) {
    for (const c of layout) {
      const xs = ok.map((r) => (c.key === 'train_seconds' ? r.trainSeconds : r.metrics![c.key])).filter((x): x is number => typeof x === 'number');
      if (xs.length < ok.length) continue; // a metric some runs lack (e.g. evaluated without samples): n/a
      const s = spread(xs);
      columns[c.key] = deterministic ? { ...s, std: 0 } : s;
    }
  }
  return { method, label: label ?? METHOD_LABELS[method] ?? method, runs: ok.length, failed: runs.length - ok.length, columns };
}

function cell(s: Spread | undefined, digits: number): string {
  if (!s) return 'n/a';
  const std = s.std === null ? '–' : s.std.toFixed(digits);
  return `${s.mean.toFixed(digits)} ± ${std} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
}

export interface TableContext {
  command: string;
  testData: string;
  problems: number;
  seeds: number[];
  totalSteps: number;
  promptsPerStep: number;
  groupSize: number;
  maxNewTokens: number;
  evalMaxNewTokens: number;
  /** K samples per problem (1: greedy only) and their temperature. */
  samples?: number;
  temperature?: number;
  /** The methods, paired tests and budgets (absent: the plain table, as before they existed). */
  comparison?: ComparisonContext;
}

export function renderTable(rows: readonly MethodRow[], ctx: TableContext): string {
  const samples = ctx.samples ?? 1;
  const columns = tableColumns(samples);
  const header = `| method | seeds | ${columns.map((c) => c.label).join(' | ')} |`;
  const rule = `|---|---|${columns.map(() => '---|').join('')}`;
  const lines = rows.map((r) => {
    const seeds = r.method === 'zero-shot' ? 'once' : `${r.runs}${r.failed ? ` (+${r.failed} failed)` : ''}`;
    return `| ${r.label ?? METHOD_LABELS[r.method] ?? r.method} | ${seeds} | ${columns.map((c) => cell(r.columns[c.key], c.digits)).join(' | ')} |`;
  });
  const sampledNote =
    samples > 1
      ? ` Sampled columns: ${samples} samples per problem at temperature ${ctx.temperature ?? 1} (the training temperature, so mean@${samples} is the accuracy the training reward measures), evaluation seed 0; pass@${samples}: the share of problems with at least one right sample.`
      : '';
  const cmp = ctx.comparison;
  const budget = `${ctx.totalSteps} steps x ${ctx.promptsPerStep} prompts x G=${ctx.groupSize}, at most ${ctx.maxNewTokens} new tokens per rollout`;
  const budgetNote =
    !cmp || isDefaultComparison(cmp.methods)
      ? `Training budget (identical for GRPO and ThinkTuning): ${budget}; the only difference is guidance.enabled.`
      : `Training budget of the base config: ${budget}; each method changes only the keys listed under "Methods".`;
  const title =
    cmp?.title ??
    (!cmp || isDefaultComparison(cmp.methods) ? 'Zero-shot vs GRPO vs ThinkTuning' : `Zero-shot vs ${cmp.methods.map((m) => m.label).join(' vs ')}`);
  const sections = cmp ? comparisonSections(cmp, ctx) : { afterTable: [], notes: [] };
  return [
    `# ${title}`,
    '',
    ...(cmp ? [primaryLine(cmp, ctx), ''] : []),
    header,
    rule,
    ...lines,
    '',
    ...sections.afterTable,
    `Cells: mean ± sample standard deviation over seeds (min–max). Seeds: ${ctx.seeds.join(', ')} (run.seed). ` +
      'Zero-shot is the base checkpoint, evaluated once (its spread is 0); "–" means a single seed.',
    `Evaluation: ${ctx.problems} problems of ${ctx.testData}, greedy decoding, at most ${ctx.evalMaxNewTokens} new tokens; ` +
      'reflection rate = share of responses with a reflection marker followed by a re-computation (src/eval/reflection.ts).' +
      sampledNote,
    budgetNote,
    ...sections.notes,
    '',
    'Produced by:',
    '',
    '```',
    ctx.command,
    '```',
    '',
  ].join('\n');
}
