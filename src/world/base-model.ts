/**
 * The built-in world's base model: its size, its tokenizer, and the two probes that say whether it is
 * the model the paper needs — a student that solves without reflecting (accuracy set by the slip rate
 * of its corpus), and, prompted as a teacher, a reviewer that finds a slip and corrects it.
 */
import { presetConfig, type ModelConfig } from '../model/config.js';
import type { CausalLM } from '../model/model.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { WordTokenizer } from '../tokenizer/word.js';
import { generate, responseBudget } from '../engine/generate.js';
import { arithDataset, studentPrompt, BUILTIN_WORLD_DIFFICULTY, type ArithProblem, type DifficultySetting } from '../tasks/arith.js';
import { studentSolution } from '../tasks/slips.js';
import { pretrainCorpus } from '../tasks/teacher-corpus.js';
import { renderTeacherPrompt, type TemplateSet, STYLE_NAMES } from '../prompts/templates.js';
import { answersEquivalent, extractAnswer } from '../rl/math-answer.js';
import { assembleAugmented, parseTeacherFeedback } from '../rl/feedback.js';
import { mulberry32 } from '../rl/rng.js';

export const WORLD_DIFFICULTY: DifficultySetting = BUILTIN_WORLD_DIFFICULTY;

/**
 * The world's word-level vocabulary (see tokenizer/word.ts for why not characters): every word and mark
 * of a fixed sample of the pretraining corpus (student, drill and teacher documents in all four styles,
 * rendered with `templates`), so the same templates always give the same ids. Saved with the model.
 */
export function worldTokenizer(templates: TemplateSet): WordTokenizer {
  const sample = pretrainCorpus({ count: 4000, seed: 0, slipRate: 0.5, teacherFraction: 0.5, drillFraction: 0.1, templates, difficulty: WORLD_DIFFICULTY });
  const templateTexts = [templates.instruction.text, templates.layout.text, ...STYLE_NAMES.map((s) => templates.styles[s].text)];
  return WordTokenizer.fromCorpus([...templateTexts, ...sample.map((d) => d.prompt + d.completion)]);
}

/** hidden 128, 4 layers, 4 heads, SwiGLU 384: ~1.2M parameters with the ~1300-token word vocabulary, ~4.7 MB in F32. */
export function worldModelConfig(vocabSize: number, overrides: Partial<ModelConfig> = {}): ModelConfig {
  return presetConfig('reference', vocabSize, { intermediate_size: 384, max_position_embeddings: 1024, bos_token_id: 1, eos_token_id: 2, ...overrides });
}

function greedy(model: CausalLM, tok: Tokenizer, prompts: string[], maxNewTokens: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < prompts.length; i += 16) {
    const ids = prompts.slice(i, i + 16).map((p) => tok.encode(p, { addSpecialTokens: true }));
    // Never past the model's positions (a small model may have fewer than prompt + maxNewTokens).
    const gen = generate(model, ids, {
      maxNewTokens: Math.max(1, responseBudget(model, ids, maxNewTokens)),
      numSamples: 1,
      stopTokens: [tok.eosId],
      temperature: 0,
      topP: 1,
      rng: Math.random,
    });
    for (const g of gen) out.push(tok.decode(g.finished ? g.tokens.slice(0, -1) : g.tokens, { skipSpecial: true }));
  }
  return out;
}

export interface BaseModelProbe {
  /** Greedy student accuracy on the problems. */
  studentAccuracy: number;
  /** Share of student answers containing a reflection ("Wait"): the base should be ~0. */
  studentReflection: number;
  /** Teacher answers that parse into <opinion>/<reason>/<phrase>. */
  teacherParseRate: number;
  /** Opinion matches whether the shown attempt was right. */
  teacherVerdictAccuracy: number;
  /** The augmented response (attempt + reason + phrase) ends in the right answer. */
  teacherCorrectionAccuracy: number;
  /** Same, only over attempts that were wrong. */
  teacherFixRate: number;
  n: number;
}

/**
 * Probe a base model on `problems` (held out): greedy student solutions; and teacher feedback on a
 * half-slipped set of attempts shown in random styles.
 */
export function probeBaseModel(model: CausalLM, tok: Tokenizer, templates: TemplateSet, problems: ArithProblem[], seed = 7): BaseModelProbe {
  const student = greedy(
    model,
    tok,
    problems.map((p) => studentPrompt(p.question)),
    160,
  );
  let correct = 0;
  let reflect = 0;
  student.forEach((s, i) => {
    const a = extractAnswer(s);
    if (a !== null && answersEquivalent(a, problems[i].answer)) correct++;
    if (/\bWait\b/.test(s)) reflect++;
  });
  const rng = mulberry32(seed);
  const attempts = problems.map((p) => studentSolution(p, { slipRate: 0.5, rng }));
  const teacherPrompts = problems.map((p, i) =>
    renderTeacherPrompt(templates, { question: p.question, response: attempts[i].text, styles: [STYLE_NAMES[Math.floor(rng() * STYLE_NAMES.length)]] }),
  );
  const answers = greedy(model, tok, teacherPrompts, 300);
  let parsed = 0,
    verdict = 0,
    fixed = 0,
    wrong = 0,
    fixedWrong = 0;
  answers.forEach((a, i) => {
    const wasRight = attempts[i].correct;
    if (!wasRight) wrong++;
    const fb = parseTeacherFeedback(a);
    if (!fb) return;
    parsed++;
    if ((fb.opinion === 'correct') === wasRight) verdict++;
    const final = extractAnswer(assembleAugmented(attempts[i].text, fb).text);
    if (final !== null && answersEquivalent(final, problems[i].answer)) {
      fixed++;
      if (!wasRight) fixedWrong++;
    }
  });
  const n = problems.length;
  return {
    studentAccuracy: correct / n,
    studentReflection: reflect / n,
    teacherParseRate: parsed / n,
    teacherVerdictAccuracy: verdict / n,
    teacherCorrectionAccuracy: fixed / n,
    teacherFixRate: wrong ? fixedWrong / wrong : 0,
    n,
  };
}

export function validationProblems(count: number, seed = 11): ArithProblem[] {
  return heldOutProblems('validation', count, seed);
}

export function heldOutProblems(split: 'validation' | 'test', count: number, seed = 11): ArithProblem[] {
  return arithDataset(split, { count, seed, difficulty: WORLD_DIFFICULTY });
}
