/**
 * Teacher prompt templates: the plain-text files under `prompts/` that a person edits, loaded, checked,
 * rendered, and swapped at step boundaries while a run goes on.
 *
 *   teacher-instruction.txt     the shared system instruction (spec step 4) and the tagged answer format (step 5)
 *   teacher-prompt.txt          the `short` layout: {{instruction}} {{question}} {{response}} and {{style}}
 *                               (each chosen style's one-line description). The built-in model was pretrained
 *                               on prompts rendered from it (tasks/teacher-corpus.ts) and has 1024 positions.
 *   teacher-prompt-fewshot.txt  the `paper` layout: the instruction, the worked examples of the styles
 *                               ({{style_examples}}; all four under the paper's mix), then the question and
 *                               response. For every other teacher (an LLM behind teacher.kind=openai, an HF
 *                               checkpoint); see chooseTeacherLayout in styles.ts.
 *   self-*.txt                  one per feedback style: Style:, Question:, Response:, Feedback: (a worked example)
 *
 * Either layout may use {{style}} or {{style_examples}}; the names above are what the shipped files do.
 *
 * Lines starting with `#` are comments for the editor and never reach the teacher. A file may hold at most
 * MAX_TEMPLATE_BYTES: the templates go out with every teacher request (an 11 MB file once did).
 */
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { STYLE_NAMES, TEACHER_LAYOUTS, type StyleName, type TeacherLayout } from './styles.js';
import { TemplateError, checkAscii, checkPlaceholders, parseStyleExample, stripComments, type StyleExample } from './template-check.js';

export {
  STYLE_NAMES,
  STYLE_MIXES,
  TEACHER_LAYOUTS,
  TEACHER_LAYOUT_SETTINGS,
  chooseStyles,
  chooseTeacherLayout,
  styleSettingFor,
  type StyleName,
  type StyleMix,
  type StyleSetting,
  type TeacherLayout,
  type TeacherLayoutSetting,
  type TeacherIdentity,
} from './styles.js';
export { TemplateError, FEEDBACK_FORMAT, type StyleExample } from './template-check.js';

/** The largest template file accepted, in bytes (64 KiB; the shipped files are under 2 KB each). */
export const MAX_TEMPLATE_BYTES = 64 * 1024;

export const INSTRUCTION_FILE = 'teacher-instruction.txt';
/** The short layout (the built-in model's). */
export const LAYOUT_FILE = 'teacher-prompt.txt';
/** The paper's few-shot layout. */
export const PAPER_LAYOUT_FILE = 'teacher-prompt-fewshot.txt';
export const LAYOUT_FILES: Record<TeacherLayout, string> = { short: LAYOUT_FILE, paper: PAPER_LAYOUT_FILE };
export const LAYOUT_PLACEHOLDERS = ['instruction', 'style_examples', 'style', 'question', 'response'] as const;
/** Always required in the layout; plus one of {{style_examples}} / {{style}}. */
const LAYOUT_REQUIRED = ['instruction', 'question', 'response'] as const;
export const styleFile = (style: StyleName): string => `${style}.txt`;
/** Every file a prompts folder must hold. */
export const TEMPLATE_FILES: readonly string[] = [INSTRUCTION_FILE, LAYOUT_FILE, PAPER_LAYOUT_FILE, ...STYLE_NAMES.map(styleFile)];

export interface TemplateFile {
  /** File name inside the prompts folder, e.g. `self-conflict.txt`. */
  name: string;
  /** The text with `#` comment lines removed and trimmed: what reaches the teacher. */
  text: string;
  /** First 12 hex digits of sha256(text): the file's content version. Comment-only edits keep it. */
  hash: string;
}

export interface StyleTemplate extends TemplateFile {
  style: StyleName;
  example: StyleExample;
}

export interface TemplateSet {
  dir: string;
  instruction: TemplateFile;
  /** The short layout, `layouts.short` (kept under this name: the built-in world's corpus reads it). */
  layout: TemplateFile;
  layouts: Record<TeacherLayout, TemplateFile>;
  styles: Record<StyleName, StyleTemplate>;
  /** Hash over all file hashes: one id for the whole set, to record beside each guided rollout. */
  hash: string;
}

export interface LoadOptions {
  /** Reject characters outside printable ASCII and newline (default true: the built-in tokenizers' alphabet). */
  asciiOnly?: boolean;
}

const sha12 = (s: string): string => createHash('sha256').update(s).digest('hex').slice(0, 12);

function readTemplate(dir: string, name: string, opts: LoadOptions): TemplateFile {
  const path = join(dir, name);
  let bytes: Buffer;
  try {
    // stat first, so that a huge file is refused without reading it
    const size = statSync(path).size;
    if (size > MAX_TEMPLATE_BYTES) throw tooLarge(path, size);
    bytes = readFileSync(path);
  } catch (e) {
    if (e instanceof TemplateError) throw e;
    throw new TemplateError(path, `cannot read the file; create it (a prompts folder needs ${TEMPLATE_FILES.join(', ')})`);
  }
  if (bytes.length > MAX_TEMPLATE_BYTES) throw tooLarge(path, bytes.length); // grew since the stat
  const raw = bytes.toString('utf8');
  if (opts.asciiOnly ?? true) checkAscii(path, raw);
  const text = stripComments(raw);
  if (text === '') throw new TemplateError(path, 'is empty once # comment lines are removed; write the template text');
  return { name, text, hash: sha12(text) };
}

const tooLarge = (path: string, size: number) =>
  new TemplateError(
    path,
    `is ${size} bytes; a template may be at most ${MAX_TEMPLATE_BYTES} bytes (64 KiB), as it is sent with every teacher request; shorten it`,
  );

/** Read and check every template file in `dir`; throws `TemplateError` on the first problem. */
export function loadTemplates(dir: string, opts: LoadOptions = {}): TemplateSet {
  const instruction = readTemplate(dir, INSTRUCTION_FILE, opts);
  checkPlaceholders(join(dir, INSTRUCTION_FILE), instruction.text, [], []);
  const layouts = { short: readLayout(dir, LAYOUT_FILE, opts), paper: readLayout(dir, PAPER_LAYOUT_FILE, opts) };
  const styles = {} as Record<StyleName, StyleTemplate>;
  for (const style of STYLE_NAMES) {
    const file = readTemplate(dir, styleFile(style), opts);
    const path = join(dir, file.name);
    checkPlaceholders(path, file.text, [], []);
    styles[style] = { ...file, style, example: parseStyleExample(path, file.text) };
  }
  const set = { dir, instruction, layout: layouts.short, layouts, styles, hash: '' };
  return {
    ...set,
    hash: sha12(
      filesOf(set)
        .map((f) => `${f.name}:${f.hash}`)
        .join('\n'),
    ),
  };
}

function readLayout(dir: string, name: string, opts: LoadOptions): TemplateFile {
  const layout = readTemplate(dir, name, opts);
  checkPlaceholders(join(dir, name), layout.text, LAYOUT_REQUIRED, LAYOUT_PLACEHOLDERS);
  if (!/\{\{\s*(style_examples|style)\s*\}\}/.test(layout.text)) {
    throw new TemplateError(join(dir, name), 'missing {{style_examples}} or {{style}}; add one where the chosen feedback style goes');
  }
  return layout;
}

export interface TeacherPromptInput {
  question: string;
  /** The student's full response, end-of-sequence token removed. */
  response: string;
  /** Style examples to include, in order (see `chooseStyles`). */
  styles: readonly StyleName[];
}

/** Fill placeholders in one pass, so a `{{...}}` inside a question or response is left as written. */
function fill(layout: string, values: Record<string, string>): string {
  return layout.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (whole, name: string) => values[name] ?? whole);
}

export interface RenderOptions {
  /** Which layout file to fill (default `short`, the built-in model's); see chooseTeacherLayout. */
  layout?: TeacherLayout;
}

/** The full teacher prompt as one text: instruction, style examples, question, response. */
export function renderTeacherPrompt(set: TemplateSet, input: TeacherPromptInput, opts: RenderOptions = {}): string {
  return fill(set.layouts[opts.layout ?? 'short'].text, {
    instruction: set.instruction.text,
    style_examples: input.styles.map((s) => set.styles[s].text).join('\n\n'),
    style: input.styles.map((s) => `Style: ${set.styles[s].example.description}`).join('\n'),
    question: input.question,
    response: input.response,
  });
}

/**
 * The same prompt split for a chat model (an OpenAI-compatible server, or a local model with a chat
 * template): the instruction as the system message, the rest of the layout as the user message.
 */
export function renderTeacherChat(set: TemplateSet, input: TeacherPromptInput, opts: RenderOptions = {}): { system: string; user: string } {
  const user = renderTeacherPrompt({ ...set, instruction: { ...set.instruction, text: '' } }, input, opts);
  return { system: set.instruction.text, user: user.trim() };
}

/** mtime and size of each template file ('-' when missing): a cheap test for "something may have changed". */
function fingerprint(dir: string): string {
  return TEMPLATE_FILES.map((name) => {
    try {
      const st = statSync(join(dir, name));
      return `${name}:${st.mtimeMs}:${st.size}`;
    } catch {
      return `${name}:-`;
    }
  }).join('|');
}

export type RefreshResult =
  | { changed: true; version: number /** names of the files whose content changed */; files: string[] }
  | { changed: false; version: number /** set while the files on disk are invalid; the previous set stays in force */; error?: string };

/**
 * The template set in force during a run. The trainer calls `refresh()` between steps (never inside one),
 * so every teacher prompt of a step comes from the same set. An invalid edit is reported and ignored:
 * the previous set stays in force until the files are valid again.
 */
export class TemplateStore {
  private set: TemplateSet;
  private ver = 1;
  private seen: string;
  private lastError: string | undefined;

  /** Loads `dir` at once; throws `TemplateError` if the files are invalid at the start of a run. */
  constructor(
    readonly dir: string,
    private readonly opts: LoadOptions = {},
  ) {
    this.seen = fingerprint(dir);
    this.set = loadTemplates(dir, opts);
  }

  get current(): TemplateSet {
    return this.set;
  }

  /** Starts at 1; +1 for every accepted change. */
  get version(): number {
    return this.ver;
  }

  /**
   * Re-read the files if their mtime or size changed (or always, with `force`). A valid change whose
   * content hash differs replaces the set; an invalid one returns the error and keeps the set in force.
   */
  refresh(opts: { force?: boolean } = {}): RefreshResult {
    const now = fingerprint(this.dir);
    if (!opts.force && now === this.seen) return this.unchanged();
    // Record the fingerprint before reading: an edit landing during the read shows up next time.
    this.seen = now;
    let next: TemplateSet;
    try {
      next = loadTemplates(this.dir, this.opts);
    } catch (err) {
      if (!(err instanceof TemplateError)) throw err;
      this.lastError = err.message;
      return this.unchanged();
    }
    this.lastError = undefined;
    const files = filesOf(next)
      .filter((f, i) => f.hash !== filesOf(this.set)[i].hash)
      .map((f) => f.name);
    if (files.length === 0) return this.unchanged();
    this.set = next;
    this.ver += 1;
    return { changed: true, version: this.ver, files };
  }

  render(input: TeacherPromptInput, opts: RenderOptions = {}): string {
    return renderTeacherPrompt(this.set, input, opts);
  }

  private unchanged(): RefreshResult {
    return this.lastError === undefined ? { changed: false, version: this.ver } : { changed: false, version: this.ver, error: this.lastError };
  }
}

/** Every file of a set, in TEMPLATE_FILES order. */
const filesOf = (s: Pick<TemplateSet, 'instruction' | 'layouts' | 'styles'>): TemplateFile[] => [
  s.instruction,
  ...TEACHER_LAYOUTS.map((l) => s.layouts[l]),
  ...STYLE_NAMES.map((n) => s.styles[n]),
];
