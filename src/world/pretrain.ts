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
import { AdamW } from '../train/optim.js';
import { learningRate } from '../train/schedule.js';
import { crossEntropyLoss, trainStep } from '../train/step.js';
import { loadTemplates } from '../prompts/templates.js';
import { encodeDocument, pretrainCorpus } from '../tasks/teacher-corpus.js';
import { mulberry32 } from '../rl/rng.js';
import { documentBatches } from './document-batches.js';
import { probeBaseModel, validationProblems, WORLD_DIFFICULTY, worldModelConfig, worldTokenizer, type BaseModelProbe } from './base-model.js';

export interface PretrainOptions {
  out: string;
  promptsDir: string;
  seed: number;
  /** Distinct training documents (each its own train-split problem). */
  docs: number;
  slipRate: number;
  /** Share of scaling problems the attempts misread (see pretrainCorpus). */
  misreadRate?: number;
  teacherFraction: number;
  /** Share of drill documents (arithmetic practice, see pretrainCorpus). */
  drillFraction?: number;
  /** Share of review documents (an answer followed by a reflection, see pretrainCorpus). */
  reviewFraction?: number;
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

function modelCard(o: PretrainOptions, r: PretrainResult, config: object, vocabSize: number): string {
  const p = r.probe;
  const pct = (x: number) => `${(100 * x).toFixed(1)}%`;
  return `# arith-base: the built-in world's base model

A small Llama-layout decoder trained from scratch by \`thinktune pretrain\` on arithmetic word problems
(${WORLD_DIFFICULTY} difficulty): non-reflective student solutions with a ${pct(o.slipRate)} slip rate${o.misreadRate ? ` (and ${pct(o.misreadRate)} of "k times as many as before" steps misread as "k more")` : ''}, and teacher
answers (<reason>, <opinion>, <phrase> in four styles) to the teacher prompt rendered from \`prompts/\`.
The same checkpoint is the student and (prompted as a teacher) the same-size teacher.

- Command: \`${o.command}\`${o.init ? ` (continuing from ${o.init}; see pretrain.json there for the first stage)` : ''}
- Seed: ${o.seed}
- Size: ${r.params.toLocaleString('en-US')} parameters (hidden ${(config as { hidden_size: number }).hidden_size}, ${(config as { num_hidden_layers: number }).num_hidden_layers} layers), word-level tokenizer (${vocabSize} tokens: words, numbers 0-999, characters for the rest), F32
- Training: ${r.steps} steps of about ${o.batchTokens} tokens, one document per row (${(r.tokens / 1e6).toFixed(2)}M token positions) in ${(r.seconds / 60).toFixed(1)} minutes on this machine's CPU (tfjs wasm backend, one core); final loss ${r.finalLoss.toFixed(3)} nats per trained token (${o.completionOnly ? 'completions only' : 'whole documents'})
${
  p
    ? `
Measured on ${p.n} held-out validation problems (greedy):

| probe | value |
|---|---|
| student accuracy | ${pct(p.studentAccuracy)} |
| student reflection rate ("Wait") | ${pct(p.studentReflection)} |
| teacher answers that parse | ${pct(p.teacherParseRate)} |
| teacher verdict accuracy (opinion matches the attempt) | ${pct(p.teacherVerdictAccuracy)} |
| teacher correction accuracy (augmented response ends right) | ${pct(p.teacherCorrectionAccuracy)} |
| teacher fix rate on wrong attempts | ${pct(p.teacherFixRate)} |
`
    : ''
}`;
}

export async function pretrain(o: PretrainOptions): Promise<PretrainResult> {
  const log = o.onLog ?? (() => {});
  const templates = loadTemplates(o.promptsDir);
  // A second stage keeps the first stage's vocabulary (its ids are what the weights learnt).
  const init = o.init ? await loadModel(o.init) : null;
  if (init && !init.tokenizer) throw new Error(`--init ${o.init} has no tokenizer.json; continue from a folder written by thinktune pretrain`);
  const tok = init?.tokenizer ?? worldTokenizer(templates);
  const model =
    init?.model ??
    CausalLM.init(
      worldModelConfig(tok.vocabSize, {
        ...(o.hidden ? { hidden_size: o.hidden } : {}),
        ...(o.layers ? { num_hidden_layers: o.layers } : {}),
        ...(o.intermediate ? { intermediate_size: o.intermediate } : {}),
      }),
      o.seed,
    );
  const config = model.config;
  if (o.init) log(`continuing from ${o.init}`);
  const params = Object.values(model.params).reduce((n, v) => n + v.size, 0);
  log(`model: ${params.toLocaleString('en-US')} parameters; building corpus of ${o.docs} documents…`);
  const docs = pretrainCorpus({
    count: o.docs,
    seed: o.seed,
    slipRate: o.slipRate,
    misreadRate: o.misreadRate ?? 0,
    teacherFraction: o.teacherFraction,
    drillFraction: o.drillFraction ?? 0,
    reviewFraction: o.reviewFraction ?? 0,
    templates,
    difficulty: WORLD_DIFFICULTY,
  });
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
      extraFiles: {
        'README.md': modelCard(o, result, config, tok.vocabSize),
        'pretrain.json': JSON.stringify({ options: { ...o, onLog: undefined }, result }, null, 2) + '\n',
      },
    });
    return result;
  };
  for (; step < o.steps; ) {
    const batch = batches.next().value!; // the generator never ends
    const lr = learningRate(step, { lr: o.lr, schedule: 'cosine', warmupSteps: Math.min(o.warmupSteps, o.steps - 1), totalSteps: o.steps, minLrRatio: 0.1 });
    const r = trainStep(model, opt, batch, crossEntropyLoss(batch.mask), { lr, maxGradNorm: 1 });
    step++;
    tokens += batch.B * batch.T;
    ema = Number.isNaN(ema) ? r.loss : 0.95 * ema + 0.05 * r.loss;
    const minutes = (performance.now() - t0) / 60000;
    if (step % 20 === 0)
      log(
        `step ${step}/${o.steps} loss ${ema.toFixed(3)} lr ${lr.toExponential(2)} ${(tokens / ((performance.now() - t0) / 1000)).toFixed(0)} tok/s ${minutes.toFixed(1)} min`,
      );
    const timeUp = o.timeLimitMin > 0 && minutes >= o.timeLimitMin;
    if (step % o.evalEvery === 0 || step === o.steps || timeUp) {
      probe = probeBaseModel(model, tok, templates, evalSet);
      log(
        `probe @${step}: student ${(100 * probe.studentAccuracy).toFixed(1)}% (reflect ${(100 * probe.studentReflection).toFixed(0)}%), teacher parse ${(100 * probe.teacherParseRate).toFixed(0)}% verdict ${(100 * probe.teacherVerdictAccuracy).toFixed(0)}% correction ${(100 * probe.teacherCorrectionAccuracy).toFixed(0)}% fix ${(100 * probe.teacherFixRate).toFixed(0)}%`,
      );
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
