/**
 * Teachers: something that reads a finished student attempt and answers with tagged feedback.
 * - LocalTeacher: a checkpoint (by default a frozen copy of the student's starting weights, as in the
 *   paper), prompted with the rendered teacher template and decoded greedily.
 * - OpenAITeacher: an OpenAI-compatible chat-completions endpoint (vLLM, llama.cpp server, Ollama) with
 *   a timeout, retries and a concurrency limit.
 * A teacher never throws for one bad answer: each request gets {ok, text} or {ok: false, error}, and the
 * trainer counts it as "no feedback".
 */
import type { CausalLM } from '../model/model.js';
import type { Tokenizer } from '../tokenizer/types.js';
import { generate } from '../engine/generate.js';
import { renderTeacherChat, renderTeacherPrompt, type TemplateSet, type TeacherPromptInput } from '../prompts/templates.js';

export type TeacherReply = { ok: true; text: string } | { ok: false; error: string };

export interface Teacher {
  readonly description: string;
  feedback(templates: TemplateSet, requests: TeacherPromptInput[]): Promise<TeacherReply[]>;
  dispose(): void;
}

export class LocalTeacher implements Teacher {
  constructor(
    private readonly model: CausalLM,
    private readonly tokenizer: Tokenizer,
    private readonly maxNewTokens: number,
    readonly description: string,
    /** Batch size cap: teacher prompts are long, so decode them a few at a time. */
    private readonly batch = 8,
  ) {}

  async feedback(templates: TemplateSet, requests: TeacherPromptInput[]): Promise<TeacherReply[]> {
    const out: TeacherReply[] = [];
    const limit = this.model.config.max_position_embeddings;
    for (let i = 0; i < requests.length; i += this.batch) {
      const chunk = requests.slice(i, i + this.batch);
      const prompts = chunk.map((r) => this.tokenizer.encode(renderTeacherPrompt(templates, r), { addBos: this.tokenizer.bosId !== null }));
      const ok = prompts.map((p) => p.length + this.maxNewTokens <= limit);
      const fits = prompts.filter((_, j) => ok[j]);
      const maxLen = Math.max(0, ...fits.map((p) => p.length));
      const gen = fits.length
        ? generate(this.model, fits, {
            maxNewTokens: Math.min(this.maxNewTokens, limit - maxLen),
            numSamples: 1,
            stopTokens: [this.tokenizer.eosId],
            temperature: 0,
            topP: 1,
            rng: Math.random, // unused by greedy decoding
          })
        : [];
      let k = 0;
      for (let j = 0; j < chunk.length; j++) {
        if (!ok[j]) {
          out.push({ ok: false, error: `teacher prompt is ${prompts[j].length} tokens; with ${this.maxNewTokens} new tokens it exceeds the model's ${limit} positions` });
          continue;
        }
        const g = gen[k++];
        const toks = g.finished ? g.tokens.slice(0, -1) : g.tokens;
        out.push({ ok: true, text: this.tokenizer.decode(toks, { skipSpecial: true }) });
      }
    }
    return out;
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
  /** Injectable for tests. */
  fetchImpl?: typeof fetch;
}

export class OpenAITeacher implements Teacher {
  readonly description: string;
  constructor(private readonly o: OpenAITeacherOptions) {
    this.description = `openai-compatible ${o.model} at ${o.url}`;
  }

  private async once(templates: TemplateSet, req: TeacherPromptInput): Promise<string> {
    const { system, user } = renderTeacherChat(templates, req);
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
