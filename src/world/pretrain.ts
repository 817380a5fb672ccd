/**
 * `thinktune pretrain --task arith`: trains the built-in world's base model from scratch on a corpus of
 * (1) non-reflective student solutions with a controlled rate of arithmetic slips and (2) teacher
 * answers to the teacher prompt rendered from prompts/ (see src/tasks/teacher-corpus.ts). The result
 * is one checkpoint that, prompted as a student, solves without reflecting, and, prompted as a teacher,
 * reflects and corrects: the situation the paper studies.
 *
 * Each document (BOS + text + EOS) is one row of a batch of similar-length documents (documentBatches):
 * a solution always sees its whole question and nothing else, as at rollout time.
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
  /** Share of drill documents (arithmetic practice, see pretrainCorpus). */
  drillFraction?: number;
  /** Tokens per optimizer step (rows x longest row of the batch). */
  batchTokens: number;
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
 * Batches of one document per row, documents of similar length together: each epoch shuffles the
 * documents, sorts each run of `SORT_WINDOW` of them by length, cuts the runs into batches of at most
 * `batchTokens` tokens (rows x the longest row), and shuffles the batches. A document never attends to
 * another one, so training sees exactly the context a student or teacher prompt has at rollout time
 * (packed rows let a solution read the previous document's numbers, a wrong lead for "copy the question's
 * first number"). Padding is masked; the sort keeps it small.
 *
 * Yields PackedBatch: inputs/targets/mask [B * T], T = longest document - 1, targets shifted by one.
 */
export function* documentBatches(docs: EncodedDocument[], batchTokens: number, rng: () => number, completionOnly = false): Generator<PackedBatch> {
  const SORT_WINDOW = 4096;
  const longest = Math.max(...docs.map((d) => d.ids.length));
  if (longest - 1 > batchTokens) throw new RangeError(`a pretraining document has ${longest} tokens; raise --batch-tokens to at least ${longest - 1}`);
  const shuffle = <T>(xs: T[]) => {
    for (let i = xs.length - 1; i > 0; i--) {
      const j = Math.floor(rng() * (i + 1));
      [xs[i], xs[j]] = [xs[j], xs[i]];
    }
    return xs;
  };
  while (true) {
    const order = shuffle(Array.from({ length: docs.length }, (_, i) => i));
    const batches: number[][] = [];
    for (let w = 0; w < order.length; w += SORT_WINDOW) {
      const run = order.slice(w, w + SORT_WINDOW).sort((a, b) => docs[a].ids.length - docs[b].ids.length);
      let batch: number[] = [];
      for (const i of run) {
        // Sorted ascending, so this document is the batch's longest: rows x (its length - 1) tokens.
        if (batch.length > 0 && (batch.length + 1) * (docs[i].ids.length - 1) > batchTokens) {
          batches.push(batch);
          batch = [];
        }
        batch.push(i);
      }
      if (batch.length > 0) batches.push(batch);
    }
    for (const batch of shuffle(batches)) {
      const B = batch.length;
      const T = Math.max(...batch.map((i) => docs[i].ids.length)) - 1;
      const inputs = new Int32Array(B * T);
      const targets = new Int32Array(B * T);
      const mask = new Float32Array(B * T);
      batch.forEach((i, b) => {
        const { ids, completionStart } = docs[i];
        // Position t predicts ids[t + 1]; with completionOnly only targets inside the completion count.
        for (let t = 0; t + 1 < ids.length; t++) {
          inputs[b * T + t] = ids[t];
          targets[b * T + t] = ids[t + 1];
          mask[b * T + t] = !completionOnly || t + 1 >= completionStart ? 1 : 0;
        }
      });
      yield { B, T, inputs, targets, mask };
    }
  }
}

function modelCard(o: PretrainOptions, r: PretrainResult, config: object, vocabSize: number): string {
  const p = r.probe;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `# arith-base: the built-in world's base model

A small Llama-layout decoder trained from scratch by \`thinktune pretrain\` on arithmetic word problems
(${WORLD_DIFFICULTY} difficulty): non-reflective student solutions with a ${pct(o.slipRate)} slip rate, and teacher
answers (<opinion>, <reason>, <phrase> in four styles) to the teacher prompt rendered from \`prompts/\`.
The same checkpoint is the student and (prompted as a teacher) the same-size teacher.

- Command: \`${o.command}\`${o.init ? ` (continuing from ${o.init}; see pretrain.json there for the first stage)` : ''}
- Seed: ${o.seed}
- Size: ${r.params.toLocaleString('en-US')} parameters (hidden ${(config as { hidden_size: number }).hidden_size}, ${(config as { num_hidden_layers: number }).num_hidden_layers} layers), word-level tokenizer (${vocabSize} tokens: words, numbers 0-999, characters for the rest), F32
- Training: ${r.steps} steps of about ${o.batchTokens} tokens, one document per row (${(r.tokens / 1e6).toFixed(2)}M token positions) in ${(r.seconds / 60).toFixed(1)} minutes on this machine's CPU (tfjs wasm backend, one core); final loss ${r.finalLoss.toFixed(3)} nats per trained token (${o.completionOnly ? 'completions only' : 'whole documents'})
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
  const templates = loadTemplates(o.promptsDir);
  // A second stage keeps the first stage's vocabulary (its ids are what the weights learnt).
  const init = o.init ? await loadModel(o.init) : null;
  if (init && !init.tokenizer) throw new Error(`--init ${o.init} has no tokenizer.json; continue from a folder written by thinktune pretrain`);
  const tok = init?.tokenizer ?? worldTokenizer(templates);
  const model = init?.model ?? CausalLM.init(worldModelConfig(tok.vocabSize, {
    ...(o.hidden ? { hidden_size: o.hidden } : {}),
    ...(o.layers ? { num_hidden_layers: o.layers } : {}),
    ...(o.intermediate ? { intermediate_size: o.intermediate } : {}),
  }), o.seed);
  const config = model.config;
  if (o.init) log(`continuing from ${o.init}`);
  const params = Object.values(model.params).reduce((n, v) => n + v.size, 0);
  log(`model: ${params.toLocaleString('en-US')} parameters; building corpus of ${o.docs} documents…`);
  const docs = pretrainCorpus({ count: o.docs, seed: o.seed, slipRate: o.slipRate, teacherFraction: o.teacherFraction, drillFraction: o.drillFraction ?? 0, templates, difficulty: WORLD_DIFFICULTY });
  const rng = mulberry32(o.seed ^ 0x5eed);
  for (let i = docs.length - 1; i > 0; i--) {
    const j = Math.floor(rng() * (i + 1));
    [docs[i], docs[j]] = [docs[j], docs[i]];
  }
  const encoded = docs.map((d) => encodeDocument(d, tok));
  const corpusTokens = encoded.reduce((n, d) => n + d.ids.length, 0);
  log(`corpus: ${(corpusTokens / 1e6).toFixed(2)}M tokens; ${o.steps} steps of about ${o.batchTokens} tokens`);
  const batches = documentBatches(encoded, o.batchTokens, rng, o.completionOnly ?? false);
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
      extraFiles: { 'README.md': modelCard(o, result, config, tok.vocabSize), 'pretrain.json': JSON.stringify({ options: { ...o, onLog: undefined }, result }, null, 2) + '\n' },
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
