/**
 * The ThinkTuning guidance stage of one step (docs/method.md, "Training loop" steps 2-6): in each group choose
 * k = max(1, floor(eligible * pct)) completed rollouts at random, ask the teacher about each, and
 * append the parsed reason and phrase to the student's text. Unparseable answers and teacher errors
 * leave the rollout unchanged and are counted as "no feedback"; the rollout's noFeedbackReason keeps the
 * error or the reply itself, so rollouts.jsonl shows what the teacher said.
 */
import { chooseGuided } from '../rl/guidance.js';
import { assembleAugmented, parseTeacherFeedback } from '../rl/feedback.js';
import { chooseStyles, styleSettingFor, type StyleMix, type StyleName, type TemplateSet } from '../prompts/templates.js';
import type { Tokenizer } from '../tokenizer/types.js';
import type { Teacher } from './teacher.js';
import type { Rollout } from './rollout.js';
import { SAVED_REPLY_CHARS, TEACHER_ERROR_PREFIX, UNPARSEABLE_PREFIX, type RolloutRecord } from './events.js';

/** `unparseable: "<reply>"`, the reply JSON-quoted (one line) and cut at SAVED_REPLY_CHARS. */
export function unparseableReason(reply: string): string {
  const cut = reply.length > SAVED_REPLY_CHARS ? `${reply.slice(0, SAVED_REPLY_CHARS)}... (${reply.length - SAVED_REPLY_CHARS} more characters)` : reply;
  return `${UNPARSEABLE_PREFIX}: ${JSON.stringify(cut)}`;
}

export interface GuidanceOutcome {
  chosen: number;
  noFeedback: number;
  /** Raw teacher answers, for the feedback log. */
  answers: { group: number; sample: number; style: string | null; ok: boolean; text: string }[];
}

export interface GuideOptions {
  pct: number;
  styles: StyleName[];
  styleMix: StyleMix;
  /** Running count of teacher prompts (round-robin style mixing continues across steps). */
  counter: number;
}

export async function guideRollouts(
  groups: Rollout[][],
  teacher: Teacher,
  templates: TemplateSet,
  tokenizer: Tokenizer,
  rng: () => number,
  o: GuideOptions,
): Promise<GuidanceOutcome> {
  const chosen: { r: Rollout; styles: StyleName[] }[] = [];
  if (o.pct > 0) {
    let counter = o.counter;
    for (const group of groups) {
      // Only completed rollouts (ended with an end token, not truncated, not cut by a stop string) are
      // eligible; correctness plays no part.
      const eligible = group.filter((r) => r.endId !== null && !r.truncated).map((r) => r.sample);
      for (const s of chooseGuided(eligible, o.pct, rng)) {
        // The paper's layout shows every style in every prompt; the short one follows guidance.styleMix.
        const setting = styleSettingFor(teacher.layout ?? 'short', { styles: o.styles, mix: o.styleMix });
        chosen.push({ r: group[s], styles: chooseStyles(setting, rng, counter++) });
      }
    }
  }
  const replies = chosen.length
    ? await teacher.feedback(
        templates,
        chosen.map(({ r, styles }) => ({ question: r.problem.question, response: r.studentText, styles })),
      )
    : [];
  const out: GuidanceOutcome = { chosen: chosen.length, noFeedback: 0, answers: [] };
  chosen.forEach(({ r, styles }, i) => {
    const reply = replies[i];
    const style = styles.length === 1 ? styles[0] : styles.join('+');
    r.style = style;
    if (!reply.ok) {
      out.noFeedback++;
      r.noFeedbackReason = TEACHER_ERROR_PREFIX + reply.error;
      out.answers.push({ group: r.group, sample: r.sample, style, ok: false, text: reply.error });
      return;
    }
    const fb = parseTeacherFeedback(reply.text);
    out.answers.push({ group: r.group, sample: r.sample, style, ok: fb !== null, text: reply.text });
    if (!fb) {
      out.noFeedback++;
      r.noFeedbackReason = unparseableReason(reply.text);
      return;
    }
    const aug = assembleAugmented(r.studentText, fb);
    r.guided = true;
    r.feedback = fb;
    r.teacherText = aug.teacherPart;
    r.teacherIds = tokenizer.encode(aug.teacherPart);
    r.ended = true; // the teacher finishes the response; the student's own end token follows its phrase
  });
  return out;
}

/**
 * The warning for a step whose teacher calls failed (a server error, a timeout: not an unparseable
 * answer), read off its rollouts: a chosen rollout is guided or has a noFeedbackReason. `step` is
 * 0-based, the message says the 1-based number the step line shows. Null when no call failed.
 */
export function teacherFailureMessage(step: number, rollouts: readonly RolloutRecord[]): string | null {
  const asked = rollouts.filter((r) => r.guided || r.noFeedbackReason !== null);
  const failed = asked.filter((r) => r.noFeedbackReason?.startsWith(TEACHER_ERROR_PREFIX));
  if (failed.length === 0) return null;
  const first = failed[0].noFeedbackReason!.slice(TEACHER_ERROR_PREFIX.length).replace(/\s+/g, ' ').trim();
  const shown = first.length > 300 ? `${first.slice(0, 297)}...` : first;
  return `teacher: ${failed.length} of ${asked.length} calls failed at step ${step + 1}: ${shown}`;
}
