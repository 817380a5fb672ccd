/** `thinktune score`: teacher-forced log-probs of one sequence (used by outside checks; keep the JSON keys). */
import { loadModel } from '../model/io.js';
import { scoreSequence } from '../model/score.js';
import { UsageError } from './errors.js';

export interface ScoreArgs {
  model: string;
  ids?: string;
  text?: string;
  json?: boolean;
}

export function parseIds(raw: string): number[] {
  const parts = raw
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
  const ids = parts.map(Number);
  if (ids.length === 0 || ids.some((n) => !Number.isInteger(n) || n < 0)) {
    throw new UsageError(`--ids must be comma-separated non-negative integers (got "${raw}"), e.g. --ids 1,2,3`);
  }
  return ids;
}

export async function scoreCommand(a: ScoreArgs): Promise<void> {
  if ((a.ids === undefined) === (a.text === undefined)) throw new UsageError('score needs exactly one of --ids 1,2,3 or --text "..."');
  const { model, tokenizer } = await loadModel(a.model);
  let ids: number[];
  if (a.ids !== undefined) ids = parseIds(a.ids);
  else {
    if (!tokenizer) throw new UsageError(`${a.model} has no tokenizer.json, so --text cannot be encoded; pass token ids with --ids`);
    // Like HF's default (add_special_tokens=True): a BOS first when the tokenizer has one.
    ids = tokenizer.encode(a.text!, { addSpecialTokens: true });
  }
  const V = model.config.vocab_size;
  const bad = ids.find((i) => i >= V);
  if (bad !== undefined) throw new UsageError(`token id ${bad} is outside the model's vocabulary (size ${V})`);
  const r = scoreSequence(model, ids);
  model.dispose();
  if (a.json) {
    process.stdout.write(JSON.stringify({ ids, next_token_logprobs: r.nextTokenLogprobs, last_logprobs: r.lastLogprobs }) + '\n');
    return;
  }
  const show = (id: number) => (tokenizer ? JSON.stringify(tokenizer.tokenToString(id)) : String(id));
  process.stdout.write(`position  token  log p(token | before)\n`);
  ids.slice(1).forEach((id, i) => process.stdout.write(`${String(i + 1).padStart(8)}  ${show(id).padEnd(6)} ${r.nextTokenLogprobs[i].toFixed(4)}\n`));
  const top = r.lastLogprobs
    .map((lp, id) => ({ lp, id }))
    .sort((x, y) => y.lp - x.lp)
    .slice(0, 5);
  process.stdout.write(`most likely next: ${top.map((t) => `${show(t.id)} ${Math.exp(t.lp).toFixed(3)}`).join(', ')}\n`);
}
