/**
 * What the teacher's feedback did to one guided rollout, the question ThinkTuning asks: the student's
 * answer before the feedback (the last answer of its own part), the answer after (the last answer of
 * the whole augmented text, what the reward scores), and the verdict against the gold answer:
 *
 *   fixed        wrong before, right after
 *   broke        right before, wrong after
 *   kept-right   right before and after
 *   kept-wrong   wrong before and after
 *
 * "Right" is answer equivalence (rl/math-answer.ts), without the termination rule of the reward, so a
 * cut-off student part still shows what it had answered.
 */
import { answersEquivalent, extractAnswer } from '../rl/math-answer.js';

export type TeacherVerdict = 'fixed' | 'broke' | 'kept-right' | 'kept-wrong';
export const TEACHER_VERDICTS: readonly TeacherVerdict[] = ['fixed', 'broke', 'kept-right', 'kept-wrong'];

/** The fields of a rollout record this needs (trainer/events.ts RolloutRecord). */
export interface GuidedRolloutLike {
  text: string;
  studentSpan: [number, number];
  teacherSpan: [number, number] | null;
  guided: boolean;
  answer: string;
}

export interface TeacherEffect {
  before: string | null;
  after: string | null;
  verdict: TeacherVerdict;
}

const right = (given: string | null, gold: string) => given !== null && answersEquivalent(given, gold);

/** The effect of the feedback on a rollout the teacher finished; null for one it did not. */
export function teacherEffect(r: GuidedRolloutLike): TeacherEffect | null {
  if (!r.guided || r.teacherSpan === null) return null;
  const before = extractAnswer(r.text.slice(r.studentSpan[0], r.studentSpan[1]));
  const after = extractAnswer(r.text);
  const b = right(before, r.answer);
  const a = right(after, r.answer);
  const verdict: TeacherVerdict = b ? (a ? 'kept-right' : 'broke') : a ? 'fixed' : 'kept-wrong';
  return { before, after, verdict };
}

export type VerdictCounts = Record<TeacherVerdict, number> & { guided: number };

/** How many guided rollouts of `rollouts` got each verdict. */
export function countVerdicts(rollouts: readonly GuidedRolloutLike[]): VerdictCounts {
  const out: VerdictCounts = { guided: 0, fixed: 0, broke: 0, 'kept-right': 0, 'kept-wrong': 0 };
  for (const r of rollouts) {
    const e = teacherEffect(r);
    if (!e) continue;
    out.guided++;
    out[e.verdict]++;
  }
  return out;
}
