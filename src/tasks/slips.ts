/**
 * The student of the small world: it writes the compact solution (step lines, then \boxed{answer}) and
 * never reflects, but with a controlled probability makes one arithmetic slip. The slipped value is then
 * carried forward consistently (later lines compute correctly from it), as a real slip would be, so the
 * final boxed answer is wrong and the first wrong line is the only line a checker can fault.
 *
 * It may also have a habit of misreading one wording: "Then she has 3 times as many apples as before"
 * (or "Then her apples double") read as 3 (or 2) more, so it adds where it should multiply. A slip is
 * noise around the right line; a misreading is a wrong line the student itself finds likelier than the
 * right one, so greedy decoding keeps it and sampling only sometimes escapes it (misreadRate).
 */
import { applyOp, renderSolution, type ArithProblem, type Step } from './arith.js';

/** What the teacher corpus needs to know about a student attempt besides its text. */
export interface SlipInfo {
  /** True when the final boxed answer equals the problem's answer (always: no slip). */
  correct: boolean;
  /** Index of the step whose result is wrong (slipped or misread), or null when there was none. */
  slipStep: number | null;
  /** The steps as the student wrote them (the slipped result and everything computed from it). */
  steps: Step[];
}

export interface StudentSolution extends SlipInfo {
  /** The response, without an end token: step lines then `The answer is \boxed{N}.` */
  text: string;
}

export interface StudentOptions {
  /** Probability in [0, 1] that the solution contains one slip. */
  slipRate: number;
  /** Uniform in [0, 1); one draw decides the slip, further draws pick its step and size. */
  rng: () => number;
  /**
   * Probability in [0, 1] that a problem with a scaling step (Step.scaling) is misread: that step adds
   * instead of multiplying, later steps follow from it, and there is no other slip. Where reading it so
   * would leave a negative count later on (about one in eight built-in problems) or change nothing
   * (2 x 2), the attempt is an ordinary one. Default 0 (and then no draw is made, so solutions are
   * exactly those of earlier versions).
   */
  misreadRate?: number;
}

/**
 * The steps as a student who changed step `at` (`change` gives its op and result from the values the
 * student has) would write them: every later step computed from those values. Null when a value would
 * go negative (an impossible count, so not a plausible attempt).
 */
function carryForward(steps: readonly Step[], at: number, change: (s: Step, left: number, right: number) => Pick<Step, 'op' | 'result'>): Step[] | null {
  const out: Step[] = [];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    const left = s.leftFrom === null ? s.left : out[s.leftFrom].result;
    const right = s.rightFrom === null ? s.right : out[s.rightFrom].result;
    const { op, result } = i === at ? change(s, left, right) : { op: s.op, result: applyOp(s.op, left, right) };
    if (result < 0) return null;
    out.push({ ...s, op, left, right, result });
  }
  return out;
}

/** The steps with step `slipStep`'s result replaced by `wrong`, carried forward (null: a negative count). */
export function carrySlip(steps: readonly Step[], slipStep: number, wrong: number): Step[] | null {
  return carryForward(steps, slipStep, (s) => ({ op: s.op, result: wrong }));
}

/** The steps with step `i` read as an addition ("12 x 3" written "12 + 3 = 15"), carried forward (null: a negative count). */
export function misreadSteps(steps: readonly Step[], i: number): Step[] | null {
  return carryForward(steps, i, (_s, left, right) => ({ op: '+', result: left + right }));
}

/**
 * Plausible sizes of a slip: off by one or two, a dropped or extra carry/borrow (10) for + and -, and
 * for x a neighbouring times-table entry (7 x 3 = 24: off by one factor).
 */
function slipDeltas(s: Step): number[] {
  const raw = s.op === 'x' ? [1, -1, s.left, -s.left, s.right, -s.right] : [1, -1, 2, -2, 10, -10];
  return [...new Set(raw)].filter((d) => d !== 0);
}

/** Every (step, wrong value, carried steps) that makes a valid slip: non-negative values, wrong final answer. */
function slipCandidates(problem: ArithProblem): { step: number; steps: Step[] }[][] {
  const gold = problem.steps[problem.steps.length - 1].result;
  return problem.steps.map((s, i) =>
    slipDeltas(s)
      .map((d) => (s.result + d >= 0 ? carrySlip(problem.steps, i, s.result + d) : null))
      .filter((c): c is Step[] => c !== null && c[c.length - 1].result !== gold)
      .map((c) => ({ step: i, steps: c })),
  );
}

const pickIndex = (rng: () => number, n: number): number => Math.min(n - 1, Math.floor(rng() * n));

/**
 * A student solution: with probability `slipRate` one step (uniform over the steps that admit a slip,
 * then a uniform slip size) is wrong and carried forward. The last step can always slip by +1, so the
 * realised slip rate equals `slipRate`.
 */
export function studentSolution(problem: ArithProblem, opts: StudentOptions): StudentSolution {
  const { slipRate, rng } = opts;
  const misreadRate = opts.misreadRate ?? 0;
  if (!(slipRate >= 0 && slipRate <= 1)) throw new RangeError(`slipRate must be in [0, 1], got ${slipRate}`);
  if (!(misreadRate >= 0 && misreadRate <= 1)) throw new RangeError(`misreadRate must be in [0, 1], got ${misreadRate}`);
  const scaling = misreadRate > 0 ? problem.steps.findIndex((s) => s.scaling) : -1;
  if (scaling >= 0 && rng() < misreadRate) {
    const steps = misreadSteps(problem.steps, scaling);
    // 2 x 2 = 2 + 2: a misreading that changes nothing is not one; nor is one that cannot be carried.
    if (steps && steps[steps.length - 1].result !== problem.steps[problem.steps.length - 1].result) {
      return { text: renderSolution(steps), correct: false, slipStep: scaling, steps };
    }
  }
  if (rng() >= slipRate) {
    const steps = problem.steps.map((s) => ({ ...s }));
    return { text: renderSolution(steps), correct: true, slipStep: null, steps };
  }
  const byStep = slipCandidates(problem).filter((c) => c.length > 0);
  const options = byStep[pickIndex(rng, byStep.length)];
  const chosen = options[pickIndex(rng, options.length)];
  return { text: renderSolution(chosen.steps), correct: false, slipStep: chosen.step, steps: chosen.steps };
}
