/**
 * The pretraining corpus of the small world: one checkpoint learns to be both the student and the teacher.
 *
 *   student documents  studentPrompt(question) + a non-reflective solution (with a controlled slip rate)
 *   teacher documents  the real teacher prompt (prompts/ templates, rendered by renderTeacherPrompt) for a
 *                      student attempt + " " + the ideal teacher answer in the tagged format
 *   drill documents    "Practice:\n" + correct step lines (optional)
 *   review documents   reviewPrompt(question) + an attempt + the reflection the trainer would append
 *                      (optional; the only documents where a reflection follows an answer)
 *
 * The ideal teacher answer (`teacherAnswer`) is written from what the corpus knows: the gold steps and
 * whether the student slipped. It speaks as the student ("I", "my"), starts its reason with "Wait...",
 * redoes the problem from the question, and only then gives its verdict; its phrase ends in
 * \boxed{the correct answer}, so an augmented rollout (feedback.ts assembleAugmented) always ends right.
 *
 * A document carries no end token: the trainer appends the tokenizer's end id (see encodeDocument), the
 * same id that ends a rollout.
 */
import { chooseStyles, STYLE_NAMES, renderTeacherPrompt, type StyleName, type StyleSetting, type TemplateSet } from '../prompts/templates.js';
import { assembleAugmented } from '../rl/feedback.js';
import { extractAnswer } from '../rl/math-answer.js';
import { mulberry32 } from '../rl/rng.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { arithDataset, stepLine, studentPrompt, type ArithProblem, type DifficultySetting, type Step } from './arith.js';
import { DatasetError } from './errors.js';
import { studentSolution, type SlipInfo } from './slips.js';

// The student's prompt lives with the task (arith.ts); re-exported here beside the corpus built with it.
export { studentPrompt };

/** Styles that fit a verdict as the paper pairs them: agreement/critique for right, conflict/consultation for wrong. */
export function naturalStyles(correct: boolean): StyleName[] {
  return correct ? ['self-agreement', 'self-critique'] : ['self-conflict', 'self-consultation'];
}

type Rng = () => number;
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.min(xs.length - 1, Math.floor(rng() * xs.length))];

/** A step redone in words: "4 x 6 is 24" (a solution line says "4 x 6 = 24"). */
const isLine = (s: Step): string => `${s.left} ${s.op} ${s.right} is ${s.result}`;
const boxed = (answer: string): string => `The answer is \\boxed{${answer}}.`;

/**
 * Reason openers per style: the style's own voice (prompts/self-*.txt), always starting with "Wait...",
 * and never giving the verdict away: the teacher redoes the work first and judges after (teacherFeedback).
 */
const OPENERS: Record<StyleName, readonly string[]> = {
  'self-agreement': ['Wait... let me walk through my steps again.', 'Wait... let me go over my steps once more.'],
  'self-critique': ['Wait... I did not check my work. Let me check each step:', 'Wait... I rushed. Let me check each step:'],
  'self-conflict': ['Wait... let me make sure my numbers add up.', 'Wait... let me make sure nothing conflicts.'],
  'self-consultation': ['Wait... my mentor would ask: are you sure about that number, {answer}? Let me check:'],
};

/** The phrase when the attempt was right: confirm and box the answer, in the style's voice. */
function confirmPhrase(style: StyleName, answer: string, rng: Rng): string {
  const lead: Record<StyleName, readonly string[]> = {
    'self-agreement': [`So I am sure the answer is ${answer}.`, `So my answer of ${answer} stands.`],
    'self-critique': [`So the answer stays ${answer}.`],
    'self-conflict': [`So ${answer} is right.`],
    'self-consultation': [`So I keep ${answer}.`, `So I am sure of ${answer}.`],
  };
  return `${pick(rng, lead[style])} ${boxed(answer)}`;
}

/**
 * The ideal teacher answer for one student attempt, in the tagged format of prompts/, reason first:
 *   <reason>Wait... ...</reason> <opinion>correct|incorrect</opinion> <phrase>... \boxed{N}</phrase>
 * The parser takes the three tags in any order; this order puts the verdict after the work that decides
 * it. `slipInfo` says whether the attempt is right (from studentSolution; only the verdict matters, since
 * the teacher redoes the whole problem). `style` is the style the teacher prompt showed; every style
 * has a voice for both verdicts. `rng` picks among a few phrasings.
 */
export function teacherAnswer(problem: ArithProblem, studentText: string, slipInfo: Pick<SlipInfo, 'correct'>, style: StyleName, rng: Rng): string {
  const { reason, phrase } = teacherFeedback(problem, studentText, slipInfo, style, rng);
  return `<reason>${reason}</reason> <opinion>${slipInfo.correct ? 'correct' : 'incorrect'}</opinion> <phrase>${phrase}</phrase>`;
}

/**
 * The reason and phrase of {@link teacherAnswer}, untagged. The reason redoes the whole problem from the
 * question ("4 x 6 is 24, and 24 - 9 is 15."), then compares the result with the attempt's answer ("I
 * said 15, and that is right."); the phrase confirms, or gives the redone answer, and boxes it. So an
 * augmented rollout always ends right.
 *
 * Why redo rather than check the attempt's lines: a small model judging a line has to recompute it and
 * compare the result with the line. In a first try at that format (500 pretraining steps) it recomputed
 * 80% of the lines right but never called a slipped line wrong. Redone from the question, the boxed
 * answer is the model's own arithmetic, whatever its verdict; the one comparison left decides only the
 * wording (and the opinion, which the trainer drops).
 */
export function teacherFeedback(
  problem: ArithProblem,
  studentText: string,
  slipInfo: Pick<SlipInfo, 'correct'>,
  style: StyleName,
  rng: Rng,
): { reason: string; phrase: string } {
  const said = extractAnswer(studentText) ?? 'nothing';
  const redo = problem.steps.map(isLine).join(', and ');
  const opener = pick(rng, OPENERS[style]).replace('{answer}', said);
  const reason = `${opener} ${redo}. I said ${said}, and that is ${slipInfo.correct ? 'right' : 'wrong'}.`;
  const phrase = slipInfo.correct ? confirmPhrase(style, problem.answer, rng) : `So the answer is ${problem.answer}, not ${said}. ${boxed(problem.answer)}`;
  return { reason, phrase };
}

/**
 * The prompt of a review document: the student prompt's question line, then `Checked answer: ` where
 * the student prompt has `Answer: `.
 */
export function reviewPrompt(question: string): string {
  return `Question: ${question}\nChecked answer: `;
}

/** One pretraining document: `prompt + completion`, then the end token (added at encoding). */
export interface TrainingDocument {
  kind: 'student' | 'teacher' | 'drill' | 'review';
  prompt: string;
  completion: string;
  problemId: string;
  /** Whether the student attempt in the document is right (the solution itself, or the one the teacher judges). */
  correct: boolean;
  /** The style of the teacher answer (teacher documents only). */
  style: StyleName | null;
  /** Style examples the teacher prompt shows (teacher documents only). */
  promptStyles: StyleName[] | null;
}

export interface PretrainCorpusOptions {
  /** Documents to make; each uses its own distinct train-split problem. */
  count: number;
  seed: number;
  /** Slip rate of the student documents (the student's own habits). */
  slipRate: number;
  /**
   * Share of problems with a scaling step ("3 times as many as before") that the attempts misread as an
   * addition (slips.ts), in student documents and in the attempts teacher and review documents show; the
   * teacher's redo always reads the question right. Default 0.
   */
  misreadRate?: number;
  /** Share of documents in [0, 1] that are teacher documents. */
  teacherFraction: number;
  /**
   * Share of documents in [0, 1] that are drill documents: `Practice:` then DRILL_LINES correct step
   * lines (`12 + 19 = 31`) from this and other train problems. A solution holds two or three such lines
   * among ~25 tokens; a drill packs eight into ~55, so the arithmetic facts (the slow part for a small
   * model once it copies the numbers) are seen several times more often. Default 0.
   */
  drillFraction?: number;
  /**
   * Share of documents in [0, 1] that are review documents: reviewPrompt(question), an attempt (at
   * teacherSlipRate), then a reflection exactly as the trainer appends the teacher's feedback
   * ("\n\n" + reason + "\n\n" + phrase, rl/feedback.ts). Student documents still never reflect; these
   * make reflecting after an answer a known pattern of text (a pretrained LLM has seen such text), so
   * that the student gives it a small probability instead of none. Default 0.
   */
  reviewFraction?: number;
  /** The prompts/ templates the teacher is prompted with during RL (loadTemplates('prompts')). */
  templates: TemplateSet;
  difficulty?: DifficultySetting;
  /**
   * Slip rate of the attempts shown inside teacher documents. Default 0.5, so the teacher sees right and
   * wrong attempts equally often (with the student's low rate it would learn "always correct").
   */
  teacherSlipRate?: number;
  /**
   * Which style examples each teacher prompt shows (chooseStyles). Default: all four styles, `random-one`
   * (one example per prompt: the shortest prompts). With one example the answer speaks in that style;
   * with several, in a style that fits the verdict (naturalStyles) among those shown, if any.
   */
  styles?: StyleSetting;
}

/** Step lines per drill document. */
export const DRILL_LINES = 8;

function checkShare(name: string, v: number | undefined): void {
  if (v !== undefined && !(v >= 0 && v <= 1)) throw new DatasetError(`pretrain corpus ${name} must be in [0, 1], got ${v}`);
}

/** The style the answer speaks in, given the examples the prompt shows and the verdict. */
function answerStyle(shown: readonly StyleName[], correct: boolean, rng: Rng): StyleName {
  if (shown.length === 1) return shown[0];
  const fitting = naturalStyles(correct).filter((s) => shown.includes(s));
  return pick(rng, fitting.length > 0 ? fitting : shown);
}

/**
 * Deterministic (for a seed) pretraining documents over train-split problems only, so validation and
 * test problems stay unseen. Each document is a teacher document with probability `teacherFraction`, a
 * drill document with probability `drillFraction`, a review document with probability `reviewFraction`,
 * and otherwise a student document.
 */
export function pretrainCorpus(opts: PretrainCorpusOptions): TrainingDocument[] {
  const { count, seed, slipRate, teacherFraction, templates } = opts;
  checkShare('slipRate', slipRate);
  checkShare('teacherFraction', teacherFraction);
  checkShare('teacherSlipRate', opts.teacherSlipRate);
  checkShare('drillFraction', opts.drillFraction);
  checkShare('reviewFraction', opts.reviewFraction);
  checkShare('misreadRate', opts.misreadRate);
  const misreadRate = opts.misreadRate ?? 0;
  const drillFraction = opts.drillFraction ?? 0;
  const reviewFraction = opts.reviewFraction ?? 0;
  if (teacherFraction + drillFraction + reviewFraction > 1) {
    throw new DatasetError(
      `pretrain corpus teacherFraction + drillFraction + reviewFraction must be at most 1, got ${teacherFraction + drillFraction + reviewFraction}`,
    );
  }
  // Review documents draw from their own stream too, so adding them changes no other document.
  const reviewRng = mulberry32((seed ^ 0x4e71e3) | 0);
  // Drills pick their other problems with their own stream, so they change no other document.
  const drillRng = mulberry32((seed ^ 0xd7111) | 0);
  const setting: StyleSetting = opts.styles ?? { styles: STYLE_NAMES, mix: 'random-one' };
  const problems = arithDataset('train', { count, seed, difficulty: opts.difficulty });
  // A separate stream from the problems', so changing the corpus mix never changes which problems appear.
  const rng = mulberry32((seed ^ 0x5eed7ea) | 0);
  let teacherDocs = 0;
  return problems.map((problem): TrainingDocument => {
    const u = rng();
    if (u >= teacherFraction) {
      // Drawn for drill documents too, so that adding them changes no other document.
      const s = studentSolution(problem, { slipRate, rng, misreadRate });
      if (u < teacherFraction + drillFraction) {
        const lines = [...problem.steps];
        while (lines.length < DRILL_LINES) lines.push(...pick(drillRng, problems).steps);
        return {
          kind: 'drill',
          prompt: 'Practice:\n',
          completion: lines.slice(0, DRILL_LINES).map(stepLine).join('\n'),
          problemId: problem.id,
          correct: true,
          style: null,
          promptStyles: null,
        };
      }
      if (u < teacherFraction + drillFraction + reviewFraction) {
        const attempt = studentSolution(problem, { slipRate: opts.teacherSlipRate ?? 0.5, rng: reviewRng, misreadRate });
        // Any style: the openers never give the verdict away, so the reflection decides it by checking.
        const style = pick(reviewRng, STYLE_NAMES);
        const { text } = assembleAugmented(attempt.text, teacherFeedback(problem, attempt.text, attempt, style, reviewRng));
        return {
          kind: 'review',
          prompt: reviewPrompt(problem.question),
          completion: text,
          problemId: problem.id,
          correct: attempt.correct,
          style,
          promptStyles: null,
        };
      }
      return {
        kind: 'student',
        prompt: studentPrompt(problem.question),
        completion: s.text,
        problemId: problem.id,
        correct: s.correct,
        style: null,
        promptStyles: null,
      };
    }
    const attempt = studentSolution(problem, { slipRate: opts.teacherSlipRate ?? 0.5, rng, misreadRate });
    const shown = chooseStyles(setting, rng, teacherDocs++);
    const style = answerStyle(shown, attempt.correct, rng);
    return {
      kind: 'teacher',
      prompt: renderTeacherPrompt(templates, { question: problem.question, response: attempt.text, styles: shown }),
      // The layout ends with "Feedback:"; one space, as in the style examples ("Feedback: <reason>...").
      completion: ` ${teacherAnswer(problem, attempt.text, attempt, style, rng)}`,
      problemId: problem.id,
      correct: attempt.correct,
      style,
      promptStyles: shown,
    };
  });
}

/**
 * Token ids of a document: [bos] + prompt + completion + eos, and the index where the completion's
 * tokens begin (for a completion-only loss). Prompt and completion are encoded separately, which is
 * exact for the char tokenizer and for the word tokenizer (no piece spans the ': ' or ':' a prompt ends
 * with, and rollouts are encoded the same way); BOS is added when the tokenizer has one, as the trainer does for prompts.
 */
export function encodeDocument(doc: TrainingDocument, tokenizer: Tokenizer): { ids: number[]; completionStart: number } {
  const prompt = tokenizer.encode(doc.prompt, { addSpecialTokens: true });
  return { ids: [...prompt, ...tokenizer.encode(doc.completion), tokenizer.eosId], completionStart: prompt.length };
}
