/**
 * The teacher's answer and the augmented rollout (docs/method.md, "Training loop" steps 5-6).
 *
 * The teacher must reply in three tagged parts:
 *   <opinion>correct|incorrect</opinion> <reason>first-person reflection</reason>
 *   <phrase>first-person continuation ending with \boxed{...}</phrase>
 * A reply that does not parse leaves the rollout unchanged ("no feedback"). The augmented rollout is
 *   student response (without its end token) + "\n\n" + reason + "\n\n" + phrase (+ end token);
 * the opinion is dropped and the student does not continue after the teacher.
 */
import { extractBoxed } from './math-answer.js';

export type TeacherOpinion = 'correct' | 'incorrect';

export interface TeacherFeedback {
  /** The teacher's verdict on the student's answer; null when it left the (optional) tag out. */
  opinion: TeacherOpinion | null;
  reason: string;
  phrase: string;
}

export interface AugmentedRollout {
  /** studentPart + teacherPart; the caller appends the end token. */
  text: string;
  /** The student's response exactly as passed in. */
  studentPart: string;
  /** "\n\n" + reason + "\n\n" + phrase: every character the student did not generate. */
  teacherPart: string;
  /** Character offset in `text` where the teacher's part (its leading "\n\n") begins. */
  teacherStart: number;
}

/** Separator between the parts; docs/method.md's "\n\n". */
export const FEEDBACK_SEPARATOR = '\n\n';

const TAG_NAMES = ['opinion', 'reason', 'phrase'] as const;
type TagName = (typeof TAG_NAMES)[number];

/** Any of our tags, opening or closing: a part that contains one is malformed (e.g. a missing close). */
const ANY_TAG = /<\s*\/?\s*(opinion|reason|phrase)\s*>/i;

/** Trimmed content of the first complete <name>...</name> (tags case-insensitive); undefined if absent. */
function tagContent(text: string, name: TagName): string | undefined {
  const m = new RegExp(`<\\s*${name}\\s*>([\\s\\S]*?)<\\s*/\\s*${name}\\s*>`, 'i').exec(text);
  return m ? m[1].trim() : undefined;
}

/**
 * Parses the teacher's reply. Returns null (no feedback) when <reason> or <phrase> is missing, empty,
 * or contains another of the tags; when the phrase has no non-empty \boxed{}; or when an <opinion> is
 * present but is not "correct"/"incorrect" (case-insensitive, a trailing period allowed). The first
 * complete occurrence of each tag is used.
 */
export function parseTeacherFeedback(text: string): TeacherFeedback | null {
  const reason = tagContent(text, 'reason');
  const phrase = tagContent(text, 'phrase');
  if (!reason || !phrase || ANY_TAG.test(reason) || ANY_TAG.test(phrase)) return null;
  if (!extractBoxed(phrase)) return null;
  const rawOpinion = tagContent(text, 'opinion');
  let opinion: TeacherOpinion | null = null;
  if (rawOpinion !== undefined) {
    const m = /^(correct|incorrect)\.?$/i.exec(rawOpinion);
    if (!m) return null;
    opinion = m[1].toLowerCase() as TeacherOpinion;
  }
  return { opinion, reason, phrase };
}

/**
 * The augmented rollout text. `studentText` is used verbatim (no trimming), so character offsets in
 * it stay valid; the caller passes it without the end token and appends the end token to `text`.
 * Note for token masks: a tokenizer may merge characters across `teacherStart` (e.g. a trailing "\n"
 * of the student with the "\n\n"); map offsets to tokens after tokenising the whole text.
 */
export function assembleAugmented(studentText: string, fb: Pick<TeacherFeedback, 'reason' | 'phrase'>): AugmentedRollout {
  const teacherPart = FEEDBACK_SEPARATOR + fb.reason + FEEDBACK_SEPARATOR + fb.phrase;
  return { text: studentText + teacherPart, studentPart: studentText, teacherPart, teacherStart: studentText.length };
}
