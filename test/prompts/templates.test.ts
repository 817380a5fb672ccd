import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  MAX_TEMPLATE_BYTES,
  PAPER_LAYOUT_FILE,
  STYLE_NAMES,
  TEMPLATE_FILES,
  TemplateError,
  loadTemplates,
  renderTeacherChat,
  renderTeacherPrompt,
} from '../../src/prompts/templates.js';
import { stripComments } from '../../src/prompts/template-check.js';

const REAL = 'prompts';

/** A scratch copy of the real prompts folder that a test may break. */
function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'thinktune-prompts-'));
  cpSync(REAL, dir, { recursive: true });
  return dir;
}

function edit(dir: string, file: string, change: (s: string) => string): void {
  const path = join(dir, file);
  writeFileSync(path, change(readFileSync(path, 'utf8')));
}

/** Load must fail with a TemplateError whose one-line message names `file` and matches `re`. */
function rejects(dir: string, file: string, re: RegExp): void {
  assert.throws(
    () => loadTemplates(dir),
    (err: unknown) => {
      assert.ok(err instanceof TemplateError, `expected TemplateError, got ${String(err)}`);
      assert.ok(err.message.startsWith(join(dir, file) + ': '), err.message);
      assert.match(err.message, re);
      assert.ok(!err.message.includes('\n'), 'one line');
      return true;
    },
  );
}

test('the shipped prompts folder loads: every style has a parsed, tagged example', () => {
  const set = loadTemplates(REAL);
  assert.deepEqual(Object.keys(set.styles).sort(), [...STYLE_NAMES].sort());
  for (const style of STYLE_NAMES) {
    const { example, text } = set.styles[style];
    assert.match(example.description, new RegExp(`^${style}\\.`));
    // Reason first: the built-in teacher checks the steps before it gives its verdict.
    assert.match(example.feedback, /^<reason>Wait\.\.\.[\s\S]+<\/reason> <opinion>(correct|incorrect)<\/opinion> <phrase>[\s\S]+\\boxed\{\d+\}\.<\/phrase>$/);
    assert.ok(!text.includes('#'), `${style}: comment lines are stripped`);
  }
  // Right answers get agreement/critique, wrong ones conflict/consultation (spec: the four styles).
  assert.match(set.styles['self-agreement'].example.feedback, /<opinion>correct</);
  assert.match(set.styles['self-critique'].example.feedback, /<opinion>correct</);
  assert.match(set.styles['self-conflict'].example.feedback, /<opinion>incorrect</);
  assert.match(set.styles['self-consultation'].example.feedback, /<opinion>incorrect</);
  assert.match(set.hash, /^[0-9a-f]{12}$/);
});

test('shipped files are printable ASCII, documented in a # line, and style files give the teacher under 700 chars', () => {
  const files = readdirSync(REAL).sort();
  assert.deepEqual(files, [...TEMPLATE_FILES].sort());
  for (const f of files) {
    const raw = readFileSync(join(REAL, f), 'utf8');
    assert.match(raw, /^# /, `${f} starts with a comment line`);
    assert.ok(/^[\x20-\x7e\n]*$/.test(raw), `${f} is printable ASCII`);
    // Comments never reach the teacher; the text does, four times over in the paper layout.
    const text = stripComments(raw);
    if (f.startsWith('self-')) assert.ok(text.length < 700, `${f} gives the teacher ${text.length} chars`);
  }
});

/** Verdict words; the instruction's answer format names the two opinions, which is not a verdict. */
const VERDICT = /\b(right|wrong|correct|incorrect)\b/i;
const withoutFormat = (text: string) => text.replace('<opinion>correct|incorrect</opinion>', '<opinion>...</opinion>');

test('no shipped style description, instruction or layout asserts a verdict the prompt cannot know', () => {
  const set = loadTemplates(REAL);
  for (const style of STYLE_NAMES) {
    const { description } = set.styles[style].example;
    assert.doesNotMatch(description, VERDICT, `${style}: "${description}"`);
  }
  assert.doesNotMatch(withoutFormat(set.instruction.text), VERDICT, 'instruction');
  assert.doesNotMatch(set.layouts.short.text, VERDICT, 'short layout');
  assert.doesNotMatch(set.layouts.paper.text, VERDICT, 'paper layout');
  // The worked examples may show verdicts: a right answer confirmed, a wrong one fixed.
  assert.match(set.styles['self-conflict'].example.feedback, /that is wrong/);
});

test('the shipped short layout is the one the built-in model was pretrained on: instruction, style line, question, response', () => {
  const set = loadTemplates(REAL);
  assert.equal(set.layout, set.layouts.short);
  const out = renderTeacherPrompt(set, { question: 'Q?', response: 'R.', styles: ['self-conflict'] });
  assert.equal(out, `${set.instruction.text}\nStyle: ${set.styles['self-conflict'].example.description}\nQuestion: Q?\nResponse: R.\nFeedback:`);
  assert.equal(renderTeacherPrompt(set, { question: 'Q?', response: 'R.', styles: ['self-conflict'] }, { layout: 'short' }), out);
});

test('the paper layout holds the instruction, all four worked examples in order, then the question and response', () => {
  const set = loadTemplates(REAL);
  const question = 'Ann has 3 pens and buys 2 more. How many pens?';
  const response = '3 + 2 = 6. The answer is \\boxed{6}.';
  const out = renderTeacherPrompt(set, { question, response, styles: [...STYLE_NAMES] }, { layout: 'paper' });
  assert.ok(!/\{\{|\}\}/.test(out), 'no placeholder left');
  assert.ok(out.startsWith(set.instruction.text), 'instruction first');
  const at = STYLE_NAMES.map((s) => out.indexOf(set.styles[s].text));
  assert.ok(
    at.every((i) => i > set.instruction.text.length),
    `every whole example is in: ${at}`,
  );
  assert.deepEqual(
    [...at].sort((a, b) => a - b),
    at,
    'examples in the order asked for',
  );
  for (const s of STYLE_NAMES) assert.ok(out.includes(`Feedback: ${set.styles[s].example.feedback}`), `${s}: its Feedback: answer`);
  const tail = `Question: ${question}\nResponse: ${response}\nFeedback:`;
  assert.ok(out.endsWith(tail), out.slice(-200));
  assert.ok(out.lastIndexOf(set.styles['self-critique'].text) < out.length - tail.length, 'the question after the examples');
});

test('renderTeacherChat splits the paper layout: the instruction as system, examples and the attempt as user', () => {
  const set = loadTemplates(REAL);
  const { system, user } = renderTeacherChat(set, { question: 'Q?', response: 'R.', styles: [...STYLE_NAMES] }, { layout: 'paper' });
  assert.equal(system, set.instruction.text);
  assert.ok(!user.includes(set.instruction.text));
  assert.ok(!user.startsWith('\n'), 'trimmed');
  for (const s of STYLE_NAMES) assert.ok(user.includes(set.styles[s].text), s);
  assert.ok(user.endsWith('Question: Q?\nResponse: R.\nFeedback:'));
});

test('the paper layout file is required and checked like the short one', () => {
  const dir = scratch();
  try {
    edit(dir, PAPER_LAYOUT_FILE, (s) => s.replace('Question: {{question}}', 'Question: {{questoin}}'));
    rejects(dir, PAPER_LAYOUT_FILE, /unknown placeholder \{\{questoin\}\}; use only/);
    cpSync(join(REAL, PAPER_LAYOUT_FILE), join(dir, PAPER_LAYOUT_FILE));
    edit(dir, PAPER_LAYOUT_FILE, (s) => s.replace(/\{\{style_examples\}\}/g, ''));
    rejects(dir, PAPER_LAYOUT_FILE, /missing \{\{style_examples\}\} or \{\{style\}\}/);
    rmSync(join(dir, PAPER_LAYOUT_FILE));
    rejects(dir, PAPER_LAYOUT_FILE, /cannot read the file; create it \(a prompts folder needs .*teacher-prompt-fewshot\.txt/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('renderTeacherPrompt fills every placeholder with the instruction, chosen styles, question and response', () => {
  const set = loadTemplates(REAL);
  const question = 'Ann has 3 pens and buys 2 more. How many pens?';
  const response = '3 + 2 = 6. The answer is \\boxed{6}.';
  const out = renderTeacherPrompt(set, { question, response, styles: ['self-critique', 'self-conflict'] });
  assert.ok(!/\{\{|\}\}/.test(out), 'no placeholder left');
  assert.ok(out.startsWith(set.instruction.text), 'instruction first');
  assert.ok(out.includes(`Question: ${question}\nResponse: ${response}\nFeedback:`));
  assert.ok(out.endsWith('Feedback:'));
  // The shipped layout shows each chosen style's one-line description ({{style}}).
  const line = (s: keyof typeof set.styles) => `Style: ${set.styles[s].example.description}`;
  const critique = out.indexOf(line('self-critique'));
  const conflict = out.indexOf(line('self-conflict'));
  assert.ok(critique > 0 && conflict > critique, 'styles in the order asked for');
  assert.ok(!out.includes(line('self-agreement')), 'unchosen styles left out');
  assert.ok(!out.includes(line('self-consultation')));
});

test('a layout with {{style_examples}} renders the whole worked examples instead', () => {
  const dir = scratch();
  try {
    edit(dir, 'teacher-prompt.txt', (s) => s.replace('\n{{style}}\n', '\nExamples:\n{{style_examples}}\n\n'));
    const set = loadTemplates(dir);
    const out = renderTeacherPrompt(set, { question: 'Q?', response: 'R.', styles: ['self-critique', 'self-conflict'] });
    const critique = out.indexOf(set.styles['self-critique'].text);
    const conflict = out.indexOf(set.styles['self-conflict'].text);
    assert.ok(critique > 0 && conflict > critique, 'examples in the order asked for');
    assert.ok(!out.includes(set.styles['self-agreement'].text), 'unchosen styles left out');
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a layout with neither {{style}} nor {{style_examples}} is rejected', () => {
  const dir = scratch();
  try {
    edit(dir, 'teacher-prompt.txt', (s) => s.replace('\n{{style}}\n', '\n'));
    rejects(dir, 'teacher-prompt.txt', /missing \{\{style_examples\}\} or \{\{style\}\}/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('placeholder-like text inside the question or response is left as written', () => {
  const set = loadTemplates(REAL);
  const out = renderTeacherPrompt(set, { question: 'Is {{response}} here?', response: 'I wrote {{question}}.', styles: ['self-agreement'] });
  assert.ok(out.includes('Question: Is {{response}} here?'));
  assert.ok(out.includes('Response: I wrote {{question}}.'));
});

test('renderTeacherChat puts the instruction in the system message only', () => {
  const set = loadTemplates(REAL);
  const { system, user } = renderTeacherChat(set, { question: 'Q?', response: 'R.', styles: ['self-agreement'] });
  assert.equal(system, set.instruction.text);
  assert.ok(!user.includes(set.instruction.text));
  assert.ok(user.startsWith('Style: self-agreement.'), user.slice(0, 40));
  assert.ok(user.endsWith('Question: Q?\nResponse: R.\nFeedback:'));
});

test('a layout without {{response}} is rejected, even if the placeholder is named in a comment', () => {
  const dir = scratch();
  try {
    edit(dir, 'teacher-prompt.txt', (s) => s.replace('Response: {{response}}', 'Response:'));
    rejects(dir, 'teacher-prompt.txt', /missing \{\{response\}\}; add \{\{response\}\} where the student's response goes$/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('unknown placeholders are rejected, in the layout and in style files', () => {
  const dir = scratch();
  try {
    edit(dir, 'teacher-prompt.txt', (s) => s.replace('Feedback:', 'Gold: {{ answer }}\nFeedback:'));
    rejects(
      dir,
      'teacher-prompt.txt',
      /unknown placeholder \{\{answer\}\}; use only \{\{instruction\}\}, \{\{style_examples\}\}, \{\{style\}\}, \{\{question\}\}, \{\{response\}\}$/,
    );
    cpSync(join(REAL, 'teacher-prompt.txt'), join(dir, 'teacher-prompt.txt'));
    edit(dir, 'self-critique.txt', (s) => s.replace('Question: A train', 'Question: {{question}} A train'));
    rejects(dir, 'self-critique.txt', /placeholder \{\{question\}\} is not filled in this file; placeholders work only in teacher-prompt.txt/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('style examples must carry all three tags, a valid opinion and a boxed answer', () => {
  const cases: Array<[string, (s: string) => string, RegExp]> = [
    [
      'self-conflict.txt',
      (s) => s.replace(/<\/?reason>/g, ''),
      /lacks <reason>\.\.\.<\/reason>; write it as <reason>\.\.\.<\/reason> <opinion>correct\|incorrect<\/opinion>/,
    ],
    [
      'self-agreement.txt',
      (s) => s.replace('<opinion>correct</opinion> <phrase>', '<phrase>').replace('</phrase>', '</phrase> <opinion>correct</opinion>'),
      /the Feedback: tags are out of order/,
    ],
    ['self-agreement.txt', (s) => s.replace('<phrase>', '<phrase '), /lacks <phrase>/],
    ['self-agreement.txt', (s) => s.replace('<opinion>correct', '<opinion>maybe'), /<opinion> must be correct or incorrect \(got "maybe"\)/],
    ['self-critique.txt', (s) => s.replace('\\boxed{220}.</phrase>', '220.</phrase>'), /<phrase> has no \\boxed\{\.\.\.\}/],
    ['self-consultation.txt', (s) => s.replace(/^Response: /m, 'Answer: '), /missing a line starting with "Response:"/],
    [
      'self-consultation.txt',
      (s) => s.replace('Wait...', 'Wait\u2026'),
      /line \d+ has the non-ASCII character "\u2026" \(U\+2026\); use plain printable ASCII/,
    ],
  ];
  for (const [file, change, re] of cases) {
    const dir = scratch();
    try {
      edit(dir, file, change);
      rejects(dir, file, re);
    } finally {
      rmSync(dir, { recursive: true });
    }
  }
});

test("the paper's order, opinion first, is accepted too", () => {
  const dir = scratch();
  try {
    edit(dir, 'self-agreement.txt', (s) => s.replace(/Feedback: (<reason>.*<\/reason>) (<opinion>correct<\/opinion>)/, 'Feedback: $2 $1'));
    const set = loadTemplates(dir);
    assert.match(set.styles['self-agreement'].example.feedback, /^<opinion>correct<\/opinion> <reason>Wait/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a missing file is named with the list of required files', () => {
  const dir = scratch();
  try {
    rmSync(join(dir, 'self-consultation.txt'));
    rejects(
      dir,
      'self-consultation.txt',
      /cannot read the file; create it \(a prompts folder needs teacher-instruction.txt, teacher-prompt.txt, teacher-prompt-fewshot.txt, self-agreement.txt/,
    );
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('file hashes ignore comment edits and follow content edits', () => {
  const dir = scratch();
  try {
    const before = loadTemplates(dir);
    edit(dir, 'self-agreement.txt', (s) => `# another note\n${s}`);
    const comment = loadTemplates(dir);
    assert.equal(comment.styles['self-agreement'].hash, before.styles['self-agreement'].hash);
    assert.equal(comment.hash, before.hash);
    edit(dir, 'self-agreement.txt', (s) => s.replace('and that is right.<', 'and that holds.<'));
    const content = loadTemplates(dir);
    assert.equal(content.layouts.paper.hash, before.layouts.paper.hash);
    assert.notEqual(content.styles['self-agreement'].hash, before.styles['self-agreement'].hash);
    assert.equal(content.styles['self-conflict'].hash, before.styles['self-conflict'].hash);
    assert.notEqual(content.hash, before.hash);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('a template file over MAX_TEMPLATE_BYTES (64 KiB) is refused naming the file and the limit, comments counted', () => {
  const dir = scratch();
  try {
    // Sent with every teacher request: an 11 MB file once was. A comment block counts too: it is read.
    edit(dir, 'self-critique.txt', (s) => `${'# padding\n'.repeat(7000)}${s}`);
    rejects(
      dir,
      'self-critique.txt',
      /: is \d+ bytes; a template may be at most 65536 bytes \(64 KiB\), as it is sent with every teacher request; shorten it$/,
    );
    edit(dir, 'self-critique.txt', (s) => s.replace(/^(# padding\n)+/, ''));
    edit(dir, 'teacher-prompt-fewshot.txt', (s) => s + '\n' + 'x'.repeat(MAX_TEMPLATE_BYTES));
    rejects(dir, 'teacher-prompt-fewshot.txt', /a template may be at most 65536 bytes/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
