/**
 * Arithmetic word problems: thinktune's own small world, where the ThinkTuning claim can be tested on a
 * CPU with a from-scratch model (no downloads). Each problem is a short story of 2-4 steps of
 * +, - and x on small whole numbers ("Tom has 12 apples. He buys 3 bags with 5 apples each. ..."), with a
 * non-negative integer answer and a compact worked solution, one step per line:
 *
 *   3 x 5 = 15
 *   12 + 15 = 27
 *   The answer is \boxed{27}.
 *
 * Everything is drawn from a seeded mulberry32, so a seed always gives the same problems. The split
 * (train / validation / test) is a function of the problem's arithmetic alone (a hash of its steps), so
 * the same computation can never land in two splits, whatever its wording or seed.
 */
import { createHash } from 'node:crypto';
import { mulberry32 } from '../rl/rng.js';
import { DatasetError } from './errors.js';

export type ArithOp = '+' | '-' | 'x';

/** One line of the worked solution: `left op right = result`. */
export interface Step {
  op: ArithOp;
  left: number;
  right: number;
  result: number;
  /** Index of the earlier step whose result `left` is, or null when `left` is a number from the question. */
  leftFrom: number | null;
  /** Index of the earlier step whose result `right` is, or null when `right` is a number from the question. */
  rightFrom: number | null;
  /**
   * True when the step scales the running total by a number from the question ("Then she has 3 times as
   * many apples as before.", "Then his coins double."): the wording a student may misread (slips.ts).
   */
  scaling?: boolean;
}

export interface ArithProblem {
  /** `arith-` + 10 hex digits of sha256(question): stable across runs and seeds. */
  id: string;
  question: string;
  /** The final answer, a non-negative integer as text (the result of the last step). */
  answer: string;
  steps: Step[];
}

export const ARITH_SPLITS = ['train', 'validation', 'test'] as const;
export type ArithSplit = (typeof ARITH_SPLITS)[number];

/** Shares of the computation space, in thousandths: 80% train, 10% validation, 10% test. */
const SPLIT_BOUNDS: Record<ArithSplit, [number, number]> = { train: [0, 800], validation: [800, 900], test: [900, 1000] };

/** How hard the problems are: how many steps, and how large the numbers get. */
export interface ArithDifficulty {
  /** Steps per problem (solution lines before the answer line), drawn uniformly in [minSteps, maxSteps]. */
  minSteps: number;
  maxSteps: number;
  /** Largest number added or taken away in one go (and largest "each" count in a group). */
  addMax: number;
  /** Largest multiplier: the number of boxes/friends in a group, or the "N times as many" factor. */
  factorMax: number;
  /** Largest starting amount. */
  startMax: number;
  /** No running total (so no answer) ever exceeds this. */
  totalMax: number;
}

export const ARITH_DIFFICULTIES = {
  easy: { minSteps: 2, maxSteps: 2, addMax: 20, factorMax: 5, startMax: 30, totalMax: 100 },
  medium: { minSteps: 2, maxSteps: 4, addMax: 50, factorMax: 9, startMax: 60, totalMax: 300 },
  hard: { minSteps: 3, maxSteps: 4, addMax: 99, factorMax: 12, startMax: 99, totalMax: 999 },
} as const satisfies Record<string, ArithDifficulty>;
export type ArithDifficultyName = keyof typeof ARITH_DIFFICULTIES;
export type DifficultySetting = ArithDifficultyName | ArithDifficulty;

export const DEFAULT_DIFFICULTY: ArithDifficultyName = 'medium';
/** The difficulty of the built-in world (its shipped model, default training data and `arith-*` data sets). */
export const BUILTIN_WORLD_DIFFICULTY: ArithDifficultyName = 'easy';

/** The difficulty a setting names, checked; throws DatasetError with the fix. */
export function resolveDifficulty(setting: DifficultySetting = DEFAULT_DIFFICULTY): ArithDifficulty {
  if (typeof setting === 'string') {
    const preset = (ARITH_DIFFICULTIES as Record<string, ArithDifficulty>)[setting];
    if (!preset) throw new DatasetError(`unknown arithmetic difficulty "${setting}"; use ${Object.keys(ARITH_DIFFICULTIES).join(', ')} or an object`);
    return preset;
  }
  const d = setting;
  const whole = (name: keyof ArithDifficulty, min: number) => {
    if (!Number.isInteger(d[name]) || d[name] < min) {
      throw new DatasetError(`arithmetic difficulty ${name} must be a whole number >= ${min}, got ${d[name]}`);
    }
  };
  whole('minSteps', 1);
  whole('maxSteps', 1);
  whole('addMax', 2);
  whole('factorMax', 2);
  whole('startMax', 3);
  whole('totalMax', 10);
  if (d.maxSteps < d.minSteps) throw new DatasetError(`arithmetic difficulty maxSteps (${d.maxSteps}) is below minSteps (${d.minSteps}); swap them`);
  if (d.maxSteps > 8) throw new DatasetError(`arithmetic difficulty maxSteps is ${d.maxSteps}; keep it at 8 or less (solutions must fit a small context)`);
  if (d.totalMax < d.startMax) throw new DatasetError(`arithmetic difficulty totalMax (${d.totalMax}) is below startMax (${d.startMax}); raise totalMax`);
  return { ...d };
}

/**
 * The one prompt the student sees, in pretraining, in rollouts and in evaluation alike (the solution
 * follows on the same line). Short on purpose: the model's context is a few hundred characters.
 */
export function studentPrompt(question: string): string {
  return `Question: ${question}\nAnswer: `;
}

/** The value `left op right`. */
export function applyOp(op: ArithOp, left: number, right: number): number {
  return op === '+' ? left + right : op === '-' ? left - right : left * right;
}

/** "5 + 3 = 8" */
export const stepLine = (s: Step): string => `${s.left} ${s.op} ${s.right} = ${s.result}`;

/** The compact solution format, shared by the gold solution and the student's (possibly slipped) one. */
export function renderSolution(steps: readonly Step[]): string {
  if (steps.length === 0) throw new Error('renderSolution needs at least one step');
  return [...steps.map(stepLine), `The answer is \\boxed{${steps[steps.length - 1].result}}.`].join('\n');
}

/** The gold worked solution: step lines, then `The answer is \boxed{N}.` */
export function solution(problem: ArithProblem): string {
  return renderSolution(problem.steps);
}

/**
 * The problem's arithmetic with the wording stripped: literal operands, ops, and which step feeds which
 * (`#0` = the result of step 0). Two problems with the same canonical form are the same problem.
 */
export function canonicalSteps(steps: readonly Step[]): string {
  const ref = (value: number, from: number | null) => (from === null ? String(value) : `#${from}`);
  return steps.map((s) => `${ref(s.left, s.leftFrom)}${s.op}${ref(s.right, s.rightFrom)}`).join(';');
}

const sha256 = (s: string): string => createHash('sha256').update(s).digest('hex');

/** The split a computation belongs to: the first 32 bits of sha256(canonical form), mod 1000. */
export function splitOf(steps: readonly Step[]): ArithSplit {
  const slot = parseInt(sha256(canonicalSteps(steps)).slice(0, 8), 16) % 1000;
  return ARITH_SPLITS.find((s) => slot >= SPLIT_BOUNDS[s][0] && slot < SPLIT_BOUNDS[s][1])!;
}

// ---- wording --------------------------------------------------------------------------------------

interface Person {
  name: string;
  /** he / she */
  sub: string;
  /** him / her */
  obj: string;
  /** his / her */
  pos: string;
}

const PEOPLE: Person[] = [
  ...['Tom', 'Sam', 'Ben', 'Omar', 'Max', 'Leo', 'Raj', 'Noah', 'Ivan', 'Luis'].map((name) => ({ name, sub: 'he', obj: 'him', pos: 'his' })),
  ...['Mia', 'Ana', 'Lily', 'Zoe', 'Ella', 'Nina', 'Kim', 'Eva', 'Rosa', 'Ayla'].map((name) => ({ name, sub: 'she', obj: 'her', pos: 'her' })),
];

interface Thing {
  /** plural noun: "apples" */
  items: string;
  /** container, singular and plural: "basket", "baskets" */
  box: string;
  boxes: string;
}

const THINGS: Thing[] = [
  { items: 'apples', box: 'basket', boxes: 'baskets' },
  { items: 'coins', box: 'jar', boxes: 'jars' },
  { items: 'marbles', box: 'bag', boxes: 'bags' },
  { items: 'pages', box: 'notebook', boxes: 'notebooks' },
  { items: 'stickers', box: 'sheet', boxes: 'sheets' },
  { items: 'cards', box: 'pack', boxes: 'packs' },
  { items: 'shells', box: 'bucket', boxes: 'buckets' },
  { items: 'beads', box: 'box', boxes: 'boxes' },
  { items: 'stamps', box: 'album', boxes: 'albums' },
  { items: 'pencils', box: 'case', boxes: 'cases' },
];

type Rng = () => number;
const randInt = (rng: Rng, lo: number, hi: number): number => lo + Math.floor(rng() * (hi - lo + 1));
const pick = <T>(rng: Rng, xs: readonly T[]): T => xs[Math.min(xs.length - 1, Math.floor(rng() * xs.length))];
const cap = (s: string): string => s[0].toUpperCase() + s.slice(1);

/** The story so far: the steps, the running total, and the step that produced it (null: a literal). */
interface Story {
  rng: Rng;
  p: Person;
  friend: Person;
  t: Thing;
  d: ArithDifficulty;
  steps: Step[];
  value: number;
  from: number | null;
  sentences: string[];
}

function pushStep(st: Story, op: ArithOp, left: number, leftFrom: number | null, right: number, rightFrom: number | null): number {
  st.steps.push({ op, left, right, result: applyOp(op, left, right), leftFrom, rightFrom });
  return st.steps.length - 1;
}

/** running (op) k, with k a number from the question; the result is the new running total. */
function onRunning(st: Story, op: ArithOp, k: number, kFrom: number | null = null): void {
  st.from = pushStep(st, op, st.value, st.from, k, kFrom);
  st.value = st.steps[st.from].result;
}

/** A group n x m with n, m >= 2 and n*m <= room, or null when no such group exists. */
function drawGroup(st: Story, room: number): [number, number] | null {
  const nMax = Math.min(st.d.factorMax, Math.floor(room / 2));
  if (nMax < 2) return null;
  const rng = st.rng;
  const n = randInt(rng, 2, nMax);
  const mMax = Math.min(st.d.addMax, Math.floor(room / n));
  return mMax < 2 ? null : [n, randInt(rng, 2, mMax)];
}

/** An event appends one sentence and its steps to the story, or returns false when its numbers cannot fit. */
interface StoryEvent {
  cost: number;
  weight: number;
  apply(st: Story): boolean;
}

const EVENTS: StoryEvent[] = [
  {
    // running + k
    cost: 1,
    weight: 3,
    apply(st) {
      const rng = st.rng;
      const kMax = Math.min(st.d.addMax, st.d.totalMax - st.value);
      if (kMax < 2) return false;
      const k = randInt(rng, 2, kMax);
      const { p, friend, t } = st;
      st.sentences.push(
        pick(rng, [
          `${cap(p.sub)} buys ${k} more.`,
          `${cap(p.sub)} buys ${k} more ${t.items}.`,
          `${cap(p.sub)} finds ${k} more ${t.items}.`,
          `${cap(p.sub)} gets ${k} more ${t.items}.`,
          `${friend.name} gives ${p.obj} ${k} ${t.items}.`,
        ]),
      );
      onRunning(st, '+', k);
      return true;
    },
  },
  {
    // running - k, leaving at least 1 (k >= 2 keeps "loses 1 coins" out of the wording)
    cost: 1,
    weight: 3,
    apply(st) {
      const rng = st.rng;
      const kMax = Math.min(st.d.addMax, st.value - 1);
      if (kMax < 2) return false;
      const k = randInt(rng, 2, kMax);
      const { p, t } = st;
      st.sentences.push(
        pick(rng, [
          `${cap(p.sub)} gives away ${k}.`,
          `${cap(p.sub)} gives away ${k} ${t.items}.`,
          `${cap(p.sub)} loses ${k} ${t.items}.`,
          `${cap(p.sub)} sells ${k} ${t.items}.`,
          `${cap(p.sub)} uses ${k} ${t.items}.`,
        ]),
      );
      onRunning(st, '-', k);
      return true;
    },
  },
  {
    // running x k
    cost: 1,
    weight: 1.5,
    apply(st) {
      const rng = st.rng;
      const kMax = Math.min(st.d.factorMax, Math.floor(st.d.totalMax / Math.max(1, st.value)));
      if (kMax < 2 || st.value < 1) return false;
      const k = randInt(rng, 2, kMax);
      const { p, t } = st;
      const word = k === 2 ? 'double' : k === 3 ? 'triple' : null;
      const times = `Then ${p.sub} has ${k} times as many ${t.items} as before.`;
      st.sentences.push(word && rng() < 0.6 ? `Then ${p.pos} ${t.items} ${word}.` : times);
      onRunning(st, 'x', k);
      st.steps[st.steps.length - 1].scaling = true;
      return true;
    },
  },
  {
    // running + (n x m)
    cost: 2,
    weight: 1,
    apply(st) {
      const g = drawGroup(st, st.d.totalMax - st.value);
      if (!g) return false;
      const [n, m] = g;
      const { p, t } = st;
      st.sentences.push(
        pick(st.rng, [
          `${cap(p.sub)} buys ${n} ${t.boxes} with ${m} ${t.items} each.`,
          `Each of ${n} friends gives ${p.obj} ${m} ${t.items}.`,
          `${cap(p.sub)} gets ${n} ${t.boxes} of ${m} ${t.items} each.`,
        ]),
      );
      const g0 = pushStep(st, 'x', n, null, m, null);
      onRunning(st, '+', st.steps[g0].result, g0);
      return true;
    },
  },
  {
    // running - (n x m), leaving at least 1
    cost: 2,
    weight: 1,
    apply(st) {
      const g = drawGroup(st, st.value - 1);
      if (!g) return false;
      const [n, m] = g;
      const { p, t } = st;
      st.sentences.push(
        pick(st.rng, [
          `${cap(p.sub)} gives ${n} friends ${m} ${t.items} each.`,
          `${cap(p.sub)} shares ${m} ${t.items} with each of ${n} friends.`,
          `${cap(p.sub)} sells ${n} ${t.boxes} of ${m} ${t.items} each.`,
        ]),
      );
      const g0 = pushStep(st, 'x', n, null, m, null);
      onRunning(st, '-', st.steps[g0].result, g0);
      return true;
    },
  },
];

/** Opening sentence; a group opening ("each of 4 boxes holds 6") costs one step. */
function openStory(st: Story, rng: Rng, targetSteps: number): void {
  const { p, t, d } = st;
  if (targetSteps >= 2 && rng() < 0.35) {
    const nMax = Math.min(d.factorMax, Math.floor(d.startMax / 2));
    const n = randInt(rng, 2, Math.max(2, nMax));
    const m = randInt(rng, 2, Math.max(2, Math.min(d.addMax, Math.floor(d.startMax / n))));
    st.sentences.push(rng() < 0.5 ? `${p.name} has ${n} ${t.boxes} with ${m} ${t.items} each.` : `Each of ${p.name}'s ${n} ${t.boxes} holds ${m} ${t.items}.`);
    st.from = pushStep(st, 'x', n, null, m, null);
    st.value = st.steps[st.from].result;
  } else {
    st.value = randInt(rng, 2, d.startMax);
    st.from = null;
    st.sentences.push(`${p.name} has ${st.value} ${t.items}.`);
  }
}

/** Draw one event whose cost fits `budget`, weighted; tries the others when the drawn one cannot fit. */
function addEvent(st: Story, rng: Rng, budget: number): boolean {
  const fits = EVENTS.filter((e) => e.cost <= budget);
  while (fits.length > 0) {
    let u = rng() * fits.reduce((sum, e) => sum + e.weight, 0);
    let i = 0;
    while (i < fits.length - 1 && u >= fits[i].weight) u -= fits[i++].weight;
    if (fits[i].apply(st)) return true;
    fits.splice(i, 1);
  }
  return false;
}

/** One problem drawn from `rng` (not yet assigned to a split). */
export function drawProblem(rng: Rng, difficulty: DifficultySetting = DEFAULT_DIFFICULTY): ArithProblem {
  const d = resolveDifficulty(difficulty);
  const p = pick(rng, PEOPLE);
  const others = PEOPLE.filter((q) => q !== p);
  const st: Story = { rng, p, friend: pick(rng, others), t: pick(rng, THINGS), d, steps: [], value: 0, from: null, sentences: [] };
  const target = randInt(rng, d.minSteps, d.maxSteps);
  openStory(st, rng, target);
  while (st.steps.length < target) {
    // A one-step event always fits (totals stay in [1, totalMax] and totalMax >= 10, so +k or -k has room).
    if (!addEvent(st, rng, target - st.steps.length)) throw new Error(`internal: no story event fits a total of ${st.value}`);
  }
  st.sentences.push(pick(rng, [`How many ${st.t.items} does ${p.name} have now?`, `How many ${st.t.items} does ${p.sub} have in the end?`]));
  const question = st.sentences.join(' ');
  return { id: `arith-${sha256(question).slice(0, 10)}`, question, answer: String(st.value), steps: st.steps };
}

export interface ArithDatasetOptions {
  count: number;
  seed: number;
  difficulty?: DifficultySetting;
}

/**
 * `count` distinct problems (by question text) of one split, deterministic for a seed; a shorter count
 * gives a prefix of a longer one. Candidates are drawn in sequence and kept when their computation hashes
 * into `split` (see splitOf), so splits are disjoint by construction.
 */
export function arithDataset(split: ArithSplit, opts: ArithDatasetOptions): ArithProblem[] {
  if (!ARITH_SPLITS.includes(split)) throw new DatasetError(`unknown arithmetic split "${split}"; use ${ARITH_SPLITS.join(', ')}`);
  const { count, seed } = opts;
  if (!Number.isInteger(seed)) throw new DatasetError(`arithmetic dataset seed must be a whole number, got ${seed}`);
  if (!Number.isInteger(count) || count < 0) throw new DatasetError(`arithmetic dataset count must be a whole number >= 0, got ${count}`);
  const d = resolveDifficulty(opts.difficulty);
  // Mix the split into the seed so train and test with the same seed do not walk the same candidates.
  const rng = mulberry32((seed ^ Math.imul(ARITH_SPLITS.indexOf(split) + 1, 0x9e3779b1)) | 0);
  const out: ArithProblem[] = [];
  const seen = new Set<string>();
  // With small difficulty settings the space of problems runs out; stop after a long run of fruitless
  // draws (a healthy space keeps about 1 in 10 draws even for the 10% splits).
  for (let fruitless = 0; out.length < count; fruitless++) {
    if (fruitless > 20_000) {
      throw new DatasetError(`only ${out.length} distinct ${split} problems found for count ${count}; ask for fewer or raise the difficulty's number ranges`);
    }
    const prob = drawProblem(rng, d);
    if (seen.has(prob.question) || splitOf(prob.steps) !== split) continue;
    seen.add(prob.question);
    out.push(prob);
    fruitless = -1;
  }
  return out;
}
