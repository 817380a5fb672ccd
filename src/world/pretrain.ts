/**
 * `thinktune pretrain --task arith`: trains the built-in world's base model from scratch on a corpus of
 * (1) non-reflective student solutions with a controlled rate of arithmetic slips and (2) teacher
 * answers to the teacher prompt rendered from prompts/ (see src/tasks/teacher-corpus.ts). The result
 * is one checkpoint that, prompted as a student, solves without reflecting, and, prompted as a teacher,
 * reflects and corrects: the situation the paper studies.
 *
 * Documents (BOS + text + EOS) are packed whole into rows of seqLen + 1 tokens (documentRows), so a
 * solution always sees its question; the little padding left at a row's end is masked out.
 */
import { CausalLM } from '../model/model.js';
import { loadModel, saveModel } from '../model/io.js';
import type { PackedBatch } from '../engine/score.js';
import { AdamW } from '../train/optim.js';
import { learningRate } from '../train/schedule.js';
import { crossEntropyLoss, trainStep } from '../train/step.js';
import { loadTemplates } from '../prompts/templates.js';
import { encodeDocument, pretrainCorpus } from '../tasks/teacher-corpus.js';
import { mulberry32 } from '../rl/rng.js';
import { probeBaseModel, validationProblems, WORLD_DIFFICULTY, worldModelConfig, worldTokenizer, type BaseModelProbe } from './base-model.js';

export interface PretrainOptions {
  out: string;
  promptsDir: string;
  seed: number;
  /** Distinct training documents (each its own train-split problem). */
  docs: number;
  slipRate: number;
  teacherFraction: number;
  /** Share of echo documents (copying practice, see pretrainCorpus). */
  echoFraction?: number;
  seqLen: number;
  batchSeqs: number;
  steps: number;
  lr: number;
  warmupSteps: number;
  /** Stop early (and save) after this many minutes; 0 = no limit. */
  timeLimitMin: number;
  evalEvery: number;
  evalProblems: number;
  hidden?: number;
  layers?: number;
  intermediate?: number;
  /** Train only the completions (solution / teacher answer), not the questions and prompts. */
  completionOnly?: boolean;
  /** Continue from this model folder instead of a fresh initialisation (a second pretraining stage). */
  init?: string;
  onLog?: (line: string) => void;
  /** The exact command line, for the model card. */
  command: string;
}

export interface PretrainResult {
  steps: number;
  tokens: number;
  seconds: number;
  finalLoss: number;
  probe: BaseModelProbe | null;
  params: number;
}

/** One encoded document: [bos] + prompt + completion + eos, and where the completion's tokens begin. */
export interface EncodedDocument {
  ids: number[];
  completionStart: number;
}

/**
 * Rows of whole documents: each epoch shuffles the documents and fills rows of seqLen + 1 tokens with as
 * many whole documents as fit; the rest of a row is padding with mask 0. A document is never cut, so a
 * solution is always trained with its question in view (a stream cut at window edges loses that for
 * every document it splits, which on short windows is most of them).
 *
 * The mask trains every token of a document after its BOS, or with `completionOnly` just the completion
 * (and its end token): the question and the teacher prompt are not predictable, and their irreducible
 * loss only adds gradient noise to the part that has to be learnt (reading the numbers and computing).
 *
 * Yields PackedBatch: inputs/targets/mask [batchSeqs * seqLen], targets shifted by one.
 */
export function* documentRows(docs: EncodedDocument[], seqLen: number, batchSeqs: number, rng: () => number, completionOnly = false): Generator<PackedBatch> {
  const W = seqLen + 1;
  const tooLong = docs.findIndex((d) => d.ids.length > W);
  if (tooLong >= 0) throw new RangeError(`a pretraining document has ${docs[tooLong].ids.length} tokens; raise --seq-len to at least ${docs[tooLong].ids.length - 1}`);
  let rows: number[][] = [];
  const fillEpoch = () => {
    const order = Array.from({ length: docs.length }, (_, i) => i);
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    let row: number[] = []; // document indices
    let used = 0; // tokens in the row
    for (const i of order) {
      if (used + docs[i].ids.length > W) {
        rows.push(row);
        row = [];
        used = 0;
      }
      row.push(i);
      used += docs[i].ids.length;
    }
    if (row.length > 0) rows.push(row);
  };
  while (true) {
    if (rows.length < batchSeqs) fillEpoch();
    const batch = rows.slice(0, batchSeqs);
    rows = rows.slice(batchSeqs);
    const inputs = new Int32Array(batchSeqs * seqLen);
    const targets = new Int32Array(batchSeqs * seqLen);
    const mask = new Float32Array(batchSeqs * seqLen);
    batch.forEach((row, b) => {
      const tokens = row.flatMap((i) => docs[i].ids);
      let t = b * seqLen - 1; // position whose target is the current token
      for (const i of row) {
        const { ids, completionStart } = docs[i];
        const trainFrom = completionOnly ? completionStart : 1;
        for (let j = 0; j < ids.length; j++, t++) {
          if (t < b * seqLen) continue;
          targets[t] = ids[j];
          if (j >= trainFrom) mask[t] = 1;
        }
      }
      for (let k = 0; k + 1 < tokens.length; k++) inputs[b * seqLen + k] = tokens[k];
    });
    yield { B: batchSeqs, T: seqLen, inputs, targets, mask };
  }
}

function modelCard(o: PretrainOptions, r: PretrainResult, config: object): string {
  const p = r.probe;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `# arith-base: the built-in world's base model

A small Llama-layout decoder trained from scratch by \`thinktune pretrain\` on arithmetic word problems
(${WORLD_DIFFICULTY} difficulty): non-reflective student solutions with a ${pct(o.slipRate)} slip rate, and teacher
answers (<opinion>, <reason>, <phrase> in four styles) to the teacher prompt rendered from \`prompts/\`.
The same checkpoint is the student and (prompted as a teacher) the same-size teacher.

- Command: \`${o.command}\`${o.init ? ` (continuing from ${o.init}; see pretrain.json there for the first stage)` : ''}
- Seed: ${o.seed}
- Size: ${r.params.toLocaleString('en-US')} parameters (hidden ${(config as { hidden_size: number }).hidden_size}, ${(config as { num_hidden_layers: number }).num_hidden_layers} layers), character tokenizer (${worldTokenizer().vocabSize} tokens), F32
- Training: ${r.steps} steps of ${o.batchSeqs} x ${o.seqLen} tokens (${(r.tokens / 1e6).toFixed(2)}M tokens) in ${(r.seconds / 60).toFixed(1)} minutes on this machine's CPU (tfjs wasm backend); final loss ${r.finalLoss.toFixed(3)} nats/char
${p ? `
Measured on ${p.n} held-out validation problems (greedy):

| probe | value |
|---|---|
| student accuracy | ${pct(p.studentAccuracy)} |
| student reflection rate ("Wait") | ${pct(p.studentReflection)} |
| teacher answers that parse | ${pct(p.teacherParseRate)} |
| teacher verdict accuracy (opinion matches the attempt) | ${pct(p.teacherVerdictAccuracy)} |
| teacher correction accuracy (augmented response ends right) | ${pct(p.teacherCorrectionAccuracy)} |
| teacher fix rate on wrong attempts | ${pct(p.teacherFixRate)} |
` : ''}`;
}

export async function pretrain(o: PretrainOptions): Promise<PretrainResult> {
  const log = o.onLog ?? (() => {});
  const tok = worldTokenizer();
  const templates = loadTemplates(o.promptsDir);
  const config = worldModelConfig(tok.vocabSize, {
    ...(o.hidden ? { hidden_size: o.hidden } : {}),
    ...(o.layers ? { num_hidden_layers: o.layers } : {}),
    ...(o.intermediate ? { intermediate_size: o.intermediate } : {}),
  });
  const model = o.init ? (await loadModel(o.init)).model : CausalLM.init(config, o.seed);
  if (o.init) log(`continuing from ${o.init}`);
  const params = Object.values(model.params).reduce((n, v) => n + v.size, 0);
  log(`model: ${params.toLocaleString('en-US')} parameters; building corpus of ${o.docs} documents…`);
  const docs = pretrainCorpus({ count: o.docs, seed: o.seed, slipRate: o.slipRate, teacherFraction: o.teacherFraction, echoFraction: o.echoFraction ?? 0, templates, difficulty: WORLD_DIFFICULTY });
  const rng = mulberry32(o.seed ^ 0x5eed);
  for (let i = docs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [docs[i], docs[j]] = [docs[j], docs[i]];
  }
  const encoded = docs.map((d) => encodeDocument(d, tok));
  const corpusTokens = encoded.reduce((n, d) => n + d.ids.length, 0);
  log(`corpus: ${(corpusTokens / 1e6).toFixed(2)}M tokens; ${o.steps} steps of ${o.batchSeqs} x ${o.seqLen}`);
  const batches = documentRows(encoded, o.seqLen, o.batchSeqs, rng, o.completionOnly ?? false);
  const opt = new AdamW({ weightDecay: 0.01 });
  const evalSet = validationProblems(o.evalProblems);
  const t0 = performance.now();
  let step = 0;
  let tokens = 0;
  let ema = NaN;
  let probe: BaseModelProbe | null = null;
  const save = () => {
    const result: PretrainResult = { steps: step, tokens, seconds: (performance.now() - t0) / 1000, finalLoss: ema, probe, params };
    saveModel(o.out, model, {
      tokenizer: tok,
      extraFiles: { 'README.md': modelCard(o, result, config), 'pretrain.json': JSON.stringify({ options: { ...o, onLog: undefined }, result }, null, 2) + '\n' },
    });
    return result;
  };
  for (; step < o.steps; ) {
    const batch = batches.next().value as PackedBatch;
    const lr = learningRate(step, { lr: o.lr, schedule: 'cosine', warmupSteps: Math.min(o.warmupSteps, o.steps - 1), totalSteps: o.steps, minLrRatio: 0.1 });
    const r = trainStep(model, opt, batch, crossEntropyLoss(batch.mask), { lr, maxGradNorm: 1 });
    step++;
    tokens += batch.B * batch.T;
    ema = Number.isNaN(ema) ? r.loss : 0.95 * ema + 0.05 * r.loss;
    const minutes = (performance.now() - t0) / 60000;
    if (step % 20 === 0) log(`step ${step}/${o.steps} loss ${ema.toFixed(3)} lr ${lr.toExponential(2)} ${(tokens / ((performance.now() - t0) / 1000)).toFixed(0)} tok/s ${minutes.toFixed(1)} min`);
    const timeUp = o.timeLimitMin > 0 && minutes >= o.timeLimitMin;
    if (step % o.evalEvery === 0 || step === o.steps || timeUp) {
      probe = probeBaseModel(model, tok, templates, evalSet);
      log(`probe @${step}: student ${(100 * probe.studentAccuracy).toFixed(1)}% (reflect ${(100 * probe.studentReflection).toFixed(0)}%), teacher parse ${(100 * probe.teacherParseRate).toFixed(0)}% verdict ${(100 * probe.teacherVerdictAccuracy).toFixed(0)}% correction ${(100 * probe.teacherCorrectionAccuracy).toFixed(0)}% fix ${(100 * probe.teacherFixRate).toFixed(0)}%`);
      save();
      log(`saved ${o.out}`);
    }
    if (timeUp) {
      log(`time limit of ${o.timeLimitMin} min reached at step ${step}`);
      break;
    }
  }
  const result = save();
  opt.dispose();
  model.dispose();
  return result;
}
