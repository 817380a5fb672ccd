import { test } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  STYLE_NAMES,
  TEMPLATE_FILES,
  TemplateError,
  loadTemplates,
  renderTeacherChat,
  renderTeacherPrompt,
} from '../../src/prompts/templates.js';

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

test('shipped files are printable ASCII, documented in a # line, and style files stay under 700 chars', () => {
  const files = readdirSync(REAL).sort();
  assert.deepEqual(files, [...TEMPLATE_FILES].sort());
  for (const f of files) {
    const raw = readFileSync(join(REAL, f), 'utf8');
    assert.match(raw, /^# /, `${f} starts with a comment line`);
    assert.ok(/^[\x20-\x7e\n]*$/.test(raw), `${f} is printable ASCII`);
    if (f.startsWith('self-')) assert.ok(raw.length < 700, `${f} has ${raw.length} chars`);
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
    rejects(dir, 'teacher-prompt.txt', /unknown placeholder \{\{answer\}\}; use only \{\{instruction\}\}, \{\{style_examples\}\}, \{\{style\}\}, \{\{question\}\}, \{\{response\}\}$/);
    cpSync(join(REAL, 'teacher-prompt.txt'), join(dir, 'teacher-prompt.txt'));
    edit(dir, 'self-critique.txt', (s) => s.replace('Question: A train', 'Question: {{question}} A train'));
    rejects(dir, 'self-critique.txt', /placeholder \{\{question\}\} is not filled in this file; placeholders work only in teacher-prompt.txt/);
  } finally {
    rmSync(dir, { recursive: true });
  }
});

test('style examples must carry all three tags, a valid opinion and a boxed answer', () => {
  const cases: Array<[string, (s: string) => string, RegExp]> = [
    ['self-conflict.txt', (s) => s.replace(/<\/?reason>/g, ''), /lacks <reason>\.\.\.<\/reason>; write it as <reason>\.\.\.<\/reason> <opinion>correct\|incorrect<\/opinion>/],
    ['self-agreement.txt', (s) => s.replace('<opinion>correct</opinion> <phrase>', '<phrase>').replace('</phrase>', '</phrase> <opinion>correct</opinion>'), /the Feedback: tags are out of order/],
    ['self-agreement.txt', (s) => s.replace('<phrase>', '<phrase '), /lacks <phrase>/],
    ['self-agreement.txt', (s) => s.replace('<opinion>correct', '<opinion>maybe'), /<opinion> must be correct or incorrect \(got "maybe"\)/],
    ['self-critique.txt', (s) => s.replace('\\boxed{220}.</phrase>', '220.</phrase>'), /<phrase> has no \\boxed\{\.\.\.\}/],
    ['self-consultation.txt', (s) => s.replace(/^Response: /m, 'Answer: '), /missing a line starting with "Response:"/],
    ['self-consultation.txt', (s) => s.replace('Wait...', 'Wait\u2026'), /line \d+ has the non-ASCII character "\u2026" \(U\+2026\); use plain printable ASCII/],
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
    rejects(dir, 'self-consultation.txt', /cannot read the file; create it \(a prompts folder needs teacher-instruction.txt, teacher-prompt.txt, self-agreement.txt/);
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
    assert.notEqual(content.styles['self-agreement'].hash, before.styles['self-agreement'].hash);
    assert.equal(content.styles['self-conflict'].hash, before.styles['self-conflict'].hash);
    assert.notEqual(content.hash, before.hash);
  } finally {
    rmSync(dir, { recursive: true });
  }
});
