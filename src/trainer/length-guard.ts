/**
 * The length check a run makes before its first step: every student prompt, plus the response budget
 * (`grpo.maxNewTokens`) and, with guidance on, the room the teacher's appended feedback may take
 * (`teacher.maxNewTokens`), must fit the student's positions (`max_position_embeddings`). A run that
 * cannot fit says so in one line now instead of failing (or silently cutting) at some later step.
 */
import type { TrainConfig } from '../config/train-config.js';
import type { ModelConfig } from '../model/config.js';
import type { Problem } from '../tasks/datasets.js';
import type { StudentPromptFn } from '../tasks/student-prompt.js';
import { RunDirError } from './run-dir.js';
import type { Teacher } from './teacher.js';
import type { TemplateSet } from '../prompts/templates.js';
import { STYLE_NAMES, styleSettingFor } from '../prompts/styles.js';

/** The longest student prompt of `problems`, in tokens, and which problem it is. */
export function longestPrompt(problems: readonly Problem[], prompt: StudentPromptFn): { tokens: number; id: string } {
  let longest = { tokens: 0, id: '' };
  for (const p of problems) {
    const n = prompt(p.question).ids.length;
    if (n > longest.tokens) longest = { tokens: n, id: p.id };
  }
  return longest;
}

/**
 * The teacher's side: its prompt for the longest question (the style examples it would show, an empty
 * response) plus a student response of up to grpo.maxNewTokens plus its own answer (teacher.maxNewTokens)
 * must fit the teacher's positions. Checked for local teachers only; a server reports its own limits.
 */
export function checkTeacherFits(teacher: Teacher, templates: TemplateSet, problems: readonly Problem[], config: TrainConfig): void {
  if (!config.guidance.enabled || !teacher.promptRoom || problems.length === 0) return;
  const longest = problems.reduce((a, b) => (b.question.length > a.question.length ? b : a));
  // The longest prompt shows the most style examples the setting allows (all of them under the paper layout).
  const setting = styleSettingFor(teacher.layout ?? 'short', { styles: config.guidance.styles, mix: config.guidance.styleMix });
  const styles =
    setting.mix === 'all'
      ? [...setting.styles]
      : [...setting.styles].sort((a, b) => templates.styles[b].text.length - templates.styles[a].text.length).slice(0, 1);
  const { tokens, positions } = teacher.promptRoom(templates, { question: longest.question, response: '', styles: styles.length ? styles : [STYLE_NAMES[0]] });
  const need = tokens + config.grpo.maxNewTokens + config.teacher.maxNewTokens;
  if (need <= positions) return;
  throw new RunDirError(
    `the teacher cannot fit its prompts: its prompt (${teacher.layout ?? 'short'} layout) for the longest question (${longest.id}) is ${tokens} tokens, + a response of up to grpo.maxNewTokens (${config.grpo.maxNewTokens}) + teacher.maxNewTokens (${config.teacher.maxNewTokens}) = ${need}, but the teacher has ${positions} positions; use a teacher with a longer context, shorten the templates in ${templates.dir}, lower the two token caps, or set guidance.enabled=false`,
  );
}

export function checkRunFits(model: ModelConfig, problems: readonly Problem[], prompt: StudentPromptFn, config: TrainConfig): void {
  const { tokens, id } = longestPrompt(problems, prompt);
  const feedback = config.guidance.enabled ? config.teacher.maxNewTokens : 0;
  // +1: the end token after a guided response's feedback.
  const need = tokens + config.grpo.maxNewTokens + feedback + (feedback > 0 ? 1 : 0);
  const have = model.max_position_embeddings;
  if (need <= have) return;
  const parts =
    `the longest prompt (${id}, ${tokens} tokens) + grpo.maxNewTokens (${config.grpo.maxNewTokens})` +
    (feedback > 0 ? ` + teacher.maxNewTokens (${feedback}) + 1` : '');
  throw new RunDirError(
    `the run does not fit the model: ${parts} = ${need} tokens, but the student has ${have} positions (max_position_embeddings); lower grpo.maxNewTokens${feedback > 0 ? ' or teacher.maxNewTokens' : ''}, or drop the longest problems from ${config.data.file ?? 'the data'}`,
  );
}
