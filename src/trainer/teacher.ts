/**
 * Teachers: something that reads a finished student attempt and answers with tagged feedback.
 * - LocalTeacher: a checkpoint (by default a frozen copy of the student's starting weights, as in the
 *   paper), prompted with the rendered teacher template (through its chat template when its tokenizer has
 *   one) and decoded greedily until one of its stop ids.
 * - OpenAITeacher: an OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, Ollama) with
 *   a timeout, retries of what may pass, a byte cap on replies and a concurrency limit (HTTP details in
 *   teacher-http.ts); `checkEndpoint()` at the start of a run fails loudly when it cannot answer at all.
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
  chooseTeacherLayout,
  renderTeacherChat,
  renderTeacherPrompt,
  type TeacherLayout,
  type TemplateSet,
  type TeacherPromptInput,
} from '../prompts/templates.js';
import { TeacherCallError, TeacherError, oneLine, postJson, withRetries, type Attempted } from './teacher-http.js';

export { TeacherError } from './teacher-http.js';

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
    return {
      text: tokenizer.applyChatTemplate(
        [
          { role: 'system', content: system },
          { role: 'user', content: user },
        ],
        opts,
      ),
      chat: true,
    };
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
    if (this.stopIds.length === 0) throw new Error("LocalTeacher: stopIds is empty; pass at least the tokenizer's eos id");
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
  /** The largest reply body read, in bytes; default replyByteCap(maxNewTokens). */
  maxReplyBytes?: number;
  /** Injectable for tests: the HTTP client, the wait between attempts, the jitter's source, the clock (Retry-After dates). */
  fetchImpl?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  now?: () => number;
}

/**
 * Bytes a reply may take: generous for `maxNewTokens` (a token is a few bytes of text, escaped in JSON,
 * plus the envelope), never under 1 MiB. Two unbounded replies of 400 MB once took a run to 2.5 GB.
 */
export const replyByteCap = (maxNewTokens: number): number => Math.max(1 << 20, 64 * maxNewTokens);

const sleepMs = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class OpenAITeacher implements Teacher {
  readonly description: string;
  readonly layout: TeacherLayout;
  private readonly endpoint: string;
  constructor(private readonly o: OpenAITeacherOptions) {
    this.description = `openai-compatible ${o.model} at ${o.url}`;
    this.layout = o.layout ?? chooseTeacherLayout('auto', { kind: 'openai', builtin: false });
    this.endpoint = o.url.replace(/\/+$/, '') + '/chat/completions';
  }

  private post(body: Record<string, unknown>): Promise<unknown> {
    const headers: Record<string, string> = this.o.apiKey ? { authorization: `Bearer ${this.o.apiKey}` } : {};
    const maxBytes = this.o.maxReplyBytes ?? replyByteCap(this.o.maxNewTokens);
    return postJson(
      this.endpoint,
      headers,
      { model: this.o.model, temperature: 0, ...body },
      { timeoutMs: this.o.timeoutMs, maxBytes, fetchImpl: this.o.fetchImpl, now: this.o.now },
    );
  }

  private attempts<T>(call: () => Promise<T>): Promise<Attempted<T>> {
    return withRetries(call, { retries: this.o.retries, sleep: this.o.sleep ?? sleepMs, random: this.o.random ?? Math.random });
  }

  private failed(r: { error: TeacherCallError; attempts: number }): string {
    return `teacher at ${this.o.url} failed${r.attempts > 1 ? ` after ${r.attempts} attempts` : ''}: ${r.error.message}`;
  }

  /**
   * One 1-token chat completion, the request feedback makes in small: it proves the URL, the key, the
   * model name and the chat endpoint (vLLM answers 400 for a model without a chat template) before the
   * first step. Any reply with a `choices` list passes (a reasoning model may spend its one token on
   * thinking and leave content null). Throws a one-line TeacherError with the server's message and the fix.
   */
  async checkEndpoint(): Promise<void> {
    const r = await this.attempts(async () => {
      const body = (await this.post({ messages: [{ role: 'user', content: 'Reply with OK.' }], max_tokens: 1 })) as { choices?: unknown };
      if (!Array.isArray(body?.choices)) {
        throw new TeacherCallError(
          `the reply has no choices list: ${oneLine(JSON.stringify(body) ?? String(body))}`,
          false,
          'teacher.url must be the base of an OpenAI-compatible API, e.g. http://localhost:8000/v1',
        );
      }
    });
    if (!r.ok) {
      const tries = r.attempts > 1 ? ` (${r.attempts} attempts)` : '';
      throw new TeacherError(`teacher ${this.o.model} at ${this.o.url} cannot answer${tries}: ${r.error.message}; ${r.error.hint}`);
    }
  }

  private async once(templates: TemplateSet, req: TeacherPromptInput): Promise<string> {
    const { system, user } = renderTeacherChat(templates, req, { layout: this.layout });
    const body = (await this.post({
      messages: [
        { role: 'system', content: system },
        { role: 'user', content: user },
      ],
      max_tokens: this.o.maxNewTokens,
    })) as { choices?: { message?: { content?: unknown } }[] };
    const text = body?.choices?.[0]?.message?.content;
    // Deterministic at temperature 0: asking again would get the same.
    if (typeof text !== 'string')
      throw new TeacherCallError(
        `the reply has no choices[0].message.content: ${oneLine(JSON.stringify(body) ?? String(body))}`,
        false,
        'check that teacher.model is a chat model',
      );
    return text;
  }

  async feedback(templates: TemplateSet, requests: TeacherPromptInput[]): Promise<TeacherReply[]> {
    const out: TeacherReply[] = new Array(requests.length);
    let next = 0;
    const worker = async () => {
      while (next < requests.length) {
        const i = next++;
        const r = await this.attempts(() => this.once(templates, requests[i]));
        out[i] = r.ok ? { ok: true, text: r.value } : { ok: false, error: this.failed(r) };
      }
    };
    await Promise.all(Array.from({ length: Math.min(this.o.concurrency, requests.length) }, worker));
    return out;
  }

  dispose(): void {}
}
