/**
 * Pure checks on the text of prompt template files (no file system here; `templates.ts` reads the files).
 *
 * Every failure is a `TemplateError` whose message is one line: the file, what is wrong, and the fix.
 */

export class TemplateError extends Error {
  constructor(
    /** The file at fault, as the loader named it (dir joined with the file name). */
    readonly file: string,
    problemAndFix: string,
  ) {
    super(`${file}: ${problemAndFix}`);
    this.name = 'TemplateError';
  }
}

/**
 * The tagged answer format the teacher must produce (spec step 5); quoted in error messages. The
 * built-in examples put the reason first (the verdict follows the checks); the paper's order, opinion
 * first, is accepted too.
 */
export const FEEDBACK_FORMAT = '<reason>...</reason> <opinion>correct|incorrect</opinion> <phrase>... \\boxed{...}</phrase>';

/** Drop lines whose first character is `#` (documentation for the person editing), normalise CRLF, trim. */
export function stripComments(raw: string): string {
  return raw
    .replace(/\r\n?/g, '\n')
    .split('\n')
    .filter((line) => !line.startsWith('#'))
    .join('\n')
    .trim();
}

/** Placeholder names used in a text, in order of appearance; `{{ name }}` counts as `name`. */
export function findPlaceholders(text: string): string[] {
  return [...text.matchAll(/\{\{\s*([^{}]*?)\s*\}\}/g)].map((m) => m[1]);
}

/**
 * Allow only printable ASCII and newlines outside comment lines. The texts are meant to be read by the
 * small built-in model, whose tokenizer spells anything that is not a known word with exactly that
 * alphabet (tokenizer/char.ts DEFAULT_ALPHABET); a pasted curly quote or a tab would be an unknown token.
 */
export function checkAscii(file: string, raw: string): void {
  const lines = raw.replace(/\r\n?/g, '\n').split('\n');
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith('#')) continue;
    const bad = /[^\x20-\x7e]/u.exec(lines[i]);
    if (!bad) continue;
    const code = `U+${bad[0].codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
    const what = bad[0] === '\t' ? 'a tab' : /[\x00-\x1f\x7f]/.test(bad[0]) ? `the control character ${code}` : `the non-ASCII character "${bad[0]}" (${code})`;
    throw new TemplateError(file, `line ${i + 1} has ${what}; use plain printable ASCII (spaces, ' " - ...)`);
  }
}

/** Only `allowed` placeholders may appear, and every one of `required` must. */
export function checkPlaceholders(file: string, text: string, required: readonly string[], allowed: readonly string[]): void {
  const used = findPlaceholders(text);
  for (const name of used) {
    if (allowed.includes(name)) continue;
    if (allowed.length === 0) {
      throw new TemplateError(
        file,
        `placeholder {{${name}}} is not filled in this file; placeholders work only in teacher-prompt.txt and teacher-prompt-fewshot.txt, remove it`,
      );
    }
    throw new TemplateError(file, `unknown placeholder {{${name}}}; use only ${allowed.map((a) => `{{${a}}}`).join(', ')}`);
  }
  for (const name of required) {
    if (!used.includes(name)) throw new TemplateError(file, `missing {{${name}}}; add {{${name}}} where ${PLACEHOLDER_ROLE[name] ?? 'it belongs'}`);
  }
}

const PLACEHOLDER_ROLE: Record<string, string> = {
  instruction: 'the teacher instruction (teacher-instruction.txt) goes',
  style_examples: 'the chosen style examples go',
  question: 'the problem text goes',
  response: "the student's response goes",
};

/** One worked example from a style file: the teacher answer the style should produce for a student attempt. */
export interface StyleExample {
  /** The `Style:` line: what the style does and when it applies. */
  description: string;
  question: string;
  response: string;
  /** The ideal tagged teacher answer (`<reason>..</reason> <opinion>..</opinion> <phrase>..</phrase>`, or opinion first). */
  feedback: string;
}

const STYLE_LABELS = ['Style', 'Question', 'Response', 'Feedback'] as const;

/**
 * Split a style file into its four labelled parts. A part starts at a line `Label: ...` and runs until
 * the next label, so a response may span several lines.
 */
export function parseStyleExample(file: string, text: string): StyleExample {
  const parts: Partial<Record<(typeof STYLE_LABELS)[number], string[]>> = {};
  const seen: string[] = [];
  let current: string[] | undefined;
  for (const line of text.split('\n')) {
    const label = STYLE_LABELS.find((l) => line.startsWith(`${l}:`));
    if (label) {
      if (parts[label]) throw new TemplateError(file, `"${label}:" appears twice; keep one ${label}: line`);
      current = parts[label] = [line.slice(label.length + 1).trim()];
      seen.push(label);
    } else if (current) {
      current.push(line);
    } else if (line.trim() !== '') {
      throw new TemplateError(file, `text before the "Style:" line; start the file with Style:, then Question:, Response:, Feedback:`);
    }
  }
  for (const label of STYLE_LABELS) {
    if (!parts[label]) throw new TemplateError(file, `missing a line starting with "${label}:"; the layout is Style:, Question:, Response:, Feedback:`);
  }
  if (seen.join() !== STYLE_LABELS.join()) {
    throw new TemplateError(file, `labels are in the order ${seen.join(', ')}; put them in the order Style:, Question:, Response:, Feedback:`);
  }
  const get = (l: (typeof STYLE_LABELS)[number]) => parts[l]!.join('\n').trim();
  const example = { description: get('Style'), question: get('Question'), response: get('Response'), feedback: get('Feedback') };
  checkFeedbackTags(file, example.feedback);
  return example;
}

/** The example answer must be in exactly the format the teacher is asked for, or the teacher learns a broken one. */
export function checkFeedbackTags(file: string, feedback: string): void {
  for (const tag of ['opinion', 'reason', 'phrase']) {
    if (!feedback.includes(`<${tag}>`) || !feedback.includes(`</${tag}>`)) {
      throw new TemplateError(file, `the Feedback: answer lacks <${tag}>...</${tag}>; write it as ${FEEDBACK_FORMAT}`);
    }
  }
  const reasonFirst = /^<reason>([\s\S]*?)<\/reason>\s*<opinion>([\s\S]*?)<\/opinion>\s*<phrase>([\s\S]*?)<\/phrase>$/.exec(feedback);
  const opinionFirst = /^<opinion>([\s\S]*?)<\/opinion>\s*<reason>([\s\S]*?)<\/reason>\s*<phrase>([\s\S]*?)<\/phrase>$/.exec(feedback);
  if (!reasonFirst && !opinionFirst) {
    throw new TemplateError(file, `the Feedback: tags are out of order or have text between them; write ${FEEDBACK_FORMAT} (or opinion first)`);
  }
  const [reason, opinion, phrase] = reasonFirst ? [reasonFirst[1], reasonFirst[2], reasonFirst[3]] : [opinionFirst![2], opinionFirst![1], opinionFirst![3]];
  if (opinion.trim() !== 'correct' && opinion.trim() !== 'incorrect') {
    throw new TemplateError(file, `<opinion> must be correct or incorrect (got "${opinion.trim()}"); write one of the two words`);
  }
  if (reason.trim() === '') throw new TemplateError(file, `<reason> is empty; write the first-person reflection inside it`);
  if (!phrase.includes('\\boxed{')) {
    throw new TemplateError(file, `<phrase> has no \\boxed{...}; end the continuation with the final answer in \\boxed{answer}`);
  }
}
