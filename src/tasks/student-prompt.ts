/**
 * The student's prompt, as text and token ids, in one place for rollouts, evaluation and the dashboard.
 *
 * With a chat template (an Instruct model) the question goes in a user message, after an optional system
 * message, and the template is rendered with `add_generation_prompt` and encoded without adding special
 * tokens: exactly `tokenizer.apply_chat_template(messages, add_generation_prompt=True)` in transformers.
 * Without one (a base model, the built-in world) it is the plain `Question: ...\nAnswer: ` encoded as
 * `tokenizer(text)` would be, with whatever special tokens the tokenizer adds.
 */
import type { ChatMessage, Tokenizer } from '../tokenizer/types.js';
import { studentPrompt } from './arith.js';
import { getTask, type TaskName } from './task.js';

export const CHAT_TEMPLATE_MODES = ['auto', 'off'] as const;
export type ChatTemplateMode = (typeof CHAT_TEMPLATE_MODES)[number];

/** What the config's `prompt` section says (instruction 'auto' = the task's default). */
export interface PromptSettings {
  /** System message for chat templates; undefined = none (the template's own default, if it has one). */
  system?: string;
  /** Line after the question; 'auto' = the task's default; '' = none. */
  instruction: string;
  /** 'auto': the tokenizer's chat template when it has one; 'off': always the plain prompt. */
  chatTemplate: ChatTemplateMode;
}

export interface StudentPrompt {
  text: string;
  ids: number[];
}

export type StudentPromptFn = (question: string) => StudentPrompt;

/** The instruction in force: the task's default for 'auto', none for ''. */
export function resolveInstruction(task: TaskName, settings: PromptSettings): string | null {
  if (settings.instruction === 'auto') return getTask(task).defaultInstruction;
  return settings.instruction === '' ? null : settings.instruction;
}

/** True when prompts go through the tokenizer's chat template. */
export function usesChatTemplate(tok: Tokenizer, settings: PromptSettings): boolean {
  return settings.chatTemplate === 'auto' && tok.applyChatTemplate !== undefined;
}

/** A function of the question giving the student prompt for this tokenizer, task and settings. */
export function studentPromptFor(tok: Tokenizer, task: TaskName, settings: PromptSettings): StudentPromptFn {
  const instruction = resolveInstruction(task, settings);
  if (usesChatTemplate(tok, settings)) {
    return (question) => {
      const messages: ChatMessage[] = settings.system !== undefined ? [{ role: 'system', content: settings.system }] : [];
      messages.push({ role: 'user', content: instruction ? `${question}\n${instruction}` : question });
      const text = tok.applyChatTemplate!(messages, { addGenerationPrompt: true });
      return { text, ids: tok.encode(text) };
    };
  }
  return (question) => {
    // Without an instruction this is the built-in world's prompt, the one its model was pretrained on.
    const text = instruction ? `Question: ${question}\n${instruction}\nAnswer: ` : studentPrompt(question);
    return { text, ids: tok.encode(text, { addSpecialTokens: true }) };
  };
}
