/**
 * Spread over seeds and the markdown table of a comparison: per method, mean ± sample standard
 * deviation (n - 1 in the denominator; undefined for one seed) and the min–max range of each metric.
 */
import type { EvalMetrics } from '../eval/scoring.js';

export const METHODS = ['zero-shot', 'grpo', 'thinktuning'] as const;
export type Method = (typeof METHODS)[number];

export const METHOD_LABELS: Record<Method, string> = { 'zero-shot': 'zero-shot (base)', grpo: 'GRPO', thinktuning: 'ThinkTuning' };

export interface Spread {
  mean: number;
  /** Sample std over seeds; 0 for a deterministic method evaluated once; null with a single seed. */
  std: number | null;
  min: number;
  max: number;
  n: number;
}

/** mean, sample std (null when n < 2), min and max of `xs` (non-empty). */
export function spread(xs: readonly number[]): Spread {
  if (xs.length === 0) throw new Error('spread: no values');
  const n = xs.length;
  const mean = xs.reduce((a, b) => a + b, 0) / n;
  const std = n < 2 ? null : Math.sqrt(xs.reduce((a, x) => a + (x - mean) ** 2, 0) / (n - 1));
  return { mean, std, min: Math.min(...xs), max: Math.max(...xs), n };
}

/** The columns of the table: a metric key of EvalMetrics, or the training wall time. */
export const TABLE_COLUMNS = [
  { key: 'pass@1', label: 'accuracy (pass@1)', digits: 3 },
  { key: 'reflection_rate', label: 'reflection rate', digits: 3 },
  { key: 'mean_length', label: 'mean length (tokens)', digits: 1 },
  { key: 'train_seconds', label: 'train wall time (s)', digits: 1 },
] as const;
export type ColumnKey = (typeof TABLE_COLUMNS)[number]['key'];

export interface MethodRow {
  method: Method;
  /** Seeds whose run finished and was evaluated. */
  runs: number;
  failed: number;
  columns: Partial<Record<ColumnKey, Spread>>;
}

/** One finished run's numbers as the table reads them. */
export interface RunFigures {
  metrics: EvalMetrics | null;
  trainSeconds: number;
}

export function methodRow(method: Method, runs: readonly RunFigures[], deterministic: boolean): MethodRow {
  const ok = runs.filter((r) => r.metrics !== null);
  const columns: MethodRow['columns'] = {};
  if (ok.length > 0) {
    for (const c of TABLE_COLUMNS) {
      const xs = ok.map((r) => (c.key === 'train_seconds' ? r.trainSeconds : r.metrics![c.key]));
      const s = spread(xs);
      columns[c.key] = deterministic ? { ...s, std: 0 } : s;
    }
  }
  return { method, runs: ok.length, failed: runs.length - ok.length, columns };
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
}

export function renderTable(rows: readonly MethodRow[], ctx: TableContext): string {
  const header = `| method | seeds | ${TABLE_COLUMNS.map((c) => c.label).join(' | ')} |`;
  const rule = `|---|---|${TABLE_COLUMNS.map(() => '---|').join('')}`;
  const lines = rows.map((r) => {
    const seeds = r.method === 'zero-shot' ? 'once' : `${r.runs}${r.failed ? ` (+${r.failed} failed)` : ''}`;
    return `| ${METHOD_LABELS[r.method]} | ${seeds} | ${TABLE_COLUMNS.map((c) => cell(r.columns[c.key], c.digits)).join(' | ')} |`;
  });
  return [
    '# Zero-shot vs GRPO vs ThinkTuning',
    '',
    header,
    rule,
    ...lines,
    '',
    `Cells: mean ± sample standard deviation over seeds (min–max). Seeds: ${ctx.seeds.join(', ')} (run.seed). ` +
      'Zero-shot is the base checkpoint decoded greedily, so it is evaluated once and its spread is 0; "–" means a single seed.',
    `Evaluation: ${ctx.problems} problems of ${ctx.testData}, greedy decoding, at most ${ctx.evalMaxNewTokens} new tokens; ` +
      'reflection rate = share of responses with a reflection marker followed by a re-computation (src/eval/reflection.ts).',
    `Training budget (identical for GRPO and ThinkTuning): ${ctx.totalSteps} steps x ${ctx.promptsPerStep} prompts x G=${ctx.groupSize}, ` +
      `at most ${ctx.maxNewTokens} new tokens per rollout; the only difference is guidance.enabled.`,
    '',
    'Produced by:',
    '',
    '```',
    ctx.command,
    '```',
    '',
  ].join('\n');
}
