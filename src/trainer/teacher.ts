/**
 * Teachers: something that reads a finished student attempt and answers with tagged feedback.
 * - LocalTeacher: a checkpoint (by default a frozen copy of the student's starting weights, as in the
 *   paper), prompted with the rendered teacher template (through its chat template when its tokenizer has
 *   one) and decoded greedily until one of its stop ids.
 * - OpenAITeacher: an OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, Ollama) with
 *   a timeout, retries and a concurrency limit.
 * Both split the prompt the same way for a chat model (system = the instruction, user = the rest of the
 * layout). The layout is `short` only for the built-in model, which was pretrained on it; every other
 * teacher gets the paper's few-shot layout (chooseTeacherLayout).
 * A teacher never throws for one bad answer: each request gets {ok, text} or {ok: false, error}, and the
 * trainer counts it as "no feedback".
 */
import type { CausalLM } from '../model/model.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { CharTokenizer } from '../tokenizer/char.js';
import { WordTokenizer } from '../tokenizer/word.js';
import { generate } from '../engine/generate.js';
import {
  chooseTeacherLayout, renderTeacherChat, renderTeacherPrompt, type TeacherLayout, type TemplateSet, type TeacherPromptInput,
} from '../prompts/templates.js';

export type TeacherReply = { ok: true; text: string } | { ok: false; error: string };

export interface Teacher {
  readonly description: string;
  /** The layout its prompts use; the style mix follows it (styleSettingFor). Absent: `short`. */
  readonly layout?: TeacherLayout;
  feedback(templates: TemplateSet, requests: TeacherPromptInput[]): Promise<TeacherReply[]>;
  /** A local model's prompt length for `input` and its positions; absent for a server (its limits are its own). */
  promptRoom?(templates: TemplateSet, input: TeacherPromptInput): { tokens: number; positions: number };
  dispose(): void;
}

/**
 * Whether a tokenizer is one of thinktune's own (word or char level): the mark of the built-in world's
 * model and of anything trained from it, all pretrained on the short teacher layout. HF checkpoints
 * carry a Hugging Face tokenizer.
 */
export function isBuiltinWorldTokenizer(tokenizer: Tokenizer): boolean {
  return tokenizer instanceof WordTokenizer || tokenizer instanceof CharTokenizer;
}

/** A rendered teacher prompt; `chat` when it went through the tokenizer's chat template. */
export interface TeacherPromptText {
  text: string;
  chat: boolean;
}

/**
 * The teacher prompt for a local model: through its chat template when its tokenizer has one (system =
 * the instruction, user = the rest of the layout, then the assistant header), else the layout as one text.
 */
export function teacherPromptText(tokenizer: Tokenizer, templates: TemplateSet, req: TeacherPromptInput, layout: TeacherLayout): TeacherPromptText {
  if (!tokenizer.applyChatTemplate) return { text: renderTeacherPrompt(templates, req, { layout }), chat: false };
  const { system, user } = renderTeacherChat(templates, req, { layout });
  const opts = { addGenerationPrompt: true };
  try {
    return { text: tokenizer.applyChatTemplate([{ role: 'system', content: system }, { role: 'user', content: user }], opts), chat: true };
  } catch {
    // Some templates (Gemma's) refuse a system turn; the paper's prompt then goes in as one user turn.
    return { text: tokenizer.applyChatTemplate([{ role: 'user', content: `${system}\n\n${user}` }], opts), chat: true };
  }
}

/**
 * Token ids of a teacher prompt. A rendered chat template already holds whatever BOS the model wants,
 * so nothing is added; a plain prompt gets the tokenizer's special tokens, as a student prompt does.
 */
export function encodeTeacherPrompt(tokenizer: Tokenizer, prompt: TeacherPromptText): number[] {
  return prompt.chat ? tokenizer.encode(prompt.text) : tokenizer.encode(prompt.text, { addSpecialTokens: true });
}

export interface LocalTeacherOptions {
  /** Batch size cap: teacher prompts are long, so decode them a few at a time. Default 8. */
  batch?: number;
  /**
   * Ids that end the teacher's answer. Default [tokenizer.eosId]; pass generation_config.json's eos ids
   * (stopTokenIds in model/generation-config.ts): Llama 3 Instruct ends a turn with <|eot_id|>.
   */
  stopIds?: readonly number[];
  /** Default: chooseTeacherLayout('auto', ...) from the tokenizer (short for the built-in model, else paper). */
  layout?: TeacherLayout;
}

export class LocalTeacher implements Teacher {
  readonly layout: TeacherLayout;
  private readonly batch: number;
  private readonly stopIds: number[];

  constructor(
    private readonly model: CausalLM,
    private readonly tokenizer: Tokenizer,
    private readonly maxNewTokens: number,
    readonly description: string,
    opts: LocalTeacherOptions = {},
  ) {
    this.batch = opts.batch ?? 8;
    this.stopIds = [...(opts.stopIds ?? [tokenizer.eosId])];
    if (this.stopIds.length === 0) throw new Error('LocalTeacher: stopIds is empty; pass at least the tokenizer\'s eos id');
    this.layout = opts.layout ?? chooseTeacherLayout('auto', { kind: 'checkpoint', builtin: isBuiltinWorldTokenizer(tokenizer) });
  }

  /** Tokens of the teacher prompt for `input` and the teacher's positions (the run's start-up length check). */
  promptRoom(templates: TemplateSet, input: TeacherPromptInput): { tokens: number; positions: number } {
    const tokens = encodeTeacherPrompt(this.tokenizer, teacherPromptText(this.tokenizer, templates, input, this.layout)).length;
    return { tokens, positions: this.model.config.max_position_embeddings };
  }

  async feedback(templates: TemplateSet, requests: TeacherPromptInput[]): Promise<TeacherReply[]> {
    const out: TeacherReply[] = [];
    for (let i = 0; i < requests.length; i += this.batch) out.push(...this.feedbackBatch(templates, requests.slice(i, i + this.batch)));
    return out;
  }

  private feedbackBatch(templates: TemplateSet, chunk: TeacherPromptInput[]): TeacherReply[] {
    const limit = this.model.config.max_position_embeddings;
    const prompts = chunk.map((r) => encodeTeacherPrompt(this.tokenizer, teacherPromptText(this.tokenizer, templates, r, this.layout)));
    const ok = prompts.map((p) => p.length + this.maxNewTokens <= limit);
    const fits = prompts.filter((_, j) => ok[j]);
    const maxLen = Math.max(0, ...fits.map((p) => p.length));
    const gen = fits.length
      ? generate(this.model, fits, {
          maxNewTokens: Math.min(this.maxNewTokens, limit - maxLen),
          numSamples: 1,
          stopTokens: this.stopIds,
          temperature: 0,
          topP: 1,
          rng: Math.random, // unused by greedy decoding
        })
      : [];
    let k = 0;
    return chunk.map((_, j): TeacherReply => {
      if (!ok[j]) {
        return {
          ok: false,
          error: `teacher prompt (${this.layout} layout) is ${prompts[j].length} tokens; with ${this.maxNewTokens} new tokens it exceeds the model's ${limit} positions; lower teacher.maxNewTokens or shorten the templates in ${templates.dir}`,
        };
      }
      const g = gen[k++];
      // A finished row ends with its stop token, whichever of the stop ids it was.
      const toks = g.finished ? g.tokens.slice(0, -1) : g.tokens;
      return { ok: true, text: this.tokenizer.decode(toks, { skipSpecial: true }) };
    });
  }

  dispose(): void {
    this.model.dispose();
  }
}

export interface OpenAITeacherOptions {
  url: string;
  model: string;
  apiKey?: string;
  timeoutMs: number;
  retries: number;
  concurrency: number;
  maxNewTokens: number;
  /** Default `paper`: a server's model is never the built-in one. */
  layout?: TeacherLayout;
  /** Injectable for tests. */
  fetchImpl?: typeof fetch;
}

export class OpenAITeacher implements Teacher {
  readonly description: string;
  readonly layout: TeacherLayout;
  constructor(private readonly o: OpenAITeacherOptions) {
    this.description = `openai-compatible ${o.model} at ${o.url}`;
    this.layout = o.layout ?? chooseTeacherLayout('auto', { kind: 'openai', builtin: false });
  }

  private async once(templates: TemplateSet, req: TeacherPromptInput): Promise<string> {
    const { system, user } = renderTeacherChat(templates, req, { layout: this.layout });
    const ctrl = new AbortController();
    const timer = setTimeout(() => ctrl.abort(), this.o.timeoutMs);
    try {
      const res = await (this.o.fetchImpl ?? fetch)(this.o.url.replace(/\/+$/, '') + '/chat/completions', {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...(this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {}) },
        body: JSON.stringify({
          model: this.o.model,
          messages: [{ role: 'system', content: system }, { role: 'user', content: user }],
          temperature: 0,
          max_tokens: this.o.maxNewTokens,
        }),
        signal: ctrl.signal,
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      const body = (await res.json()) as { choices?: { message?: { content?: unknown } }[] };
      const text = body.choices?.[0]?.message?.content;
      if (typeof text !== 'string') throw new Error('response has no choices[0].message.content');
      return text;
    } catch (e) {
      if (ctrl.signal.aborted) throw new Error(`no answer within ${this.o.timeoutMs} ms`);
      const cause = (e as { cause?: { code?: string } }).cause?.code;
      throw new Error(cause ? `${(e as Error).message} (${cause})` : (e as Error).message);
    } finally {
      clearTimeout(timer);
    }
  }

  private async withRetries(templates: TemplateSet, req: TeacherPromptInput): Promise<TeacherReply> {
    let last = '';
    for (let attempt = 0; attempt <= this.o.retries; attempt++) {
      try {
        return { ok: true, text: await this.once(templates, req) };
      } catch (e) {
        last = (e as Error).message;
      }
    }
    return { ok: false, error: `teacher at ${this.o.url} failed after ${this.o.retries + 1} attempts: ${last}` };
  }

  async feedback(templates: TemplateSet, requests: TeacherPromptInput[]): Promise<TeacherReply[]> {
    const out: TeacherReply[] = new Array(requests.length);
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        out[i] = await this.withRetries(templates, requests[i]);
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, requests.length) }, worker));
    return out;
  }

  dispose(): void {}
}
