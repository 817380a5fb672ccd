// What a user sees of a failing teacher mid-run: the raw reply or the error kept in the rollout record
// (guide.ts), and one warning per step (teacherFailureMessage, yielded by the trainer: a headless line
// that parseProgressLine leaves alone, a notice on the dashboard).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadTemplates } from '../../src/prompts/templates.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';
import { guideRollouts, teacherFailureMessage, unparseableReason } from '../../src/trainer/guide.js';
import { SAVED_REPLY_CHARS, TEACHER_ERROR_PREFIX, type RolloutRecord } from '../../src/trainer/events.js';
import { ProgressPrinter } from '../../src/trainer/print.js';
import { parseProgressLine } from '../helpers/progress-lines.js';
import type { Teacher, TeacherReply } from '../../src/trainer/teacher.js';
import { rollout } from '../helpers/rollouts.js';

const templates = loadTemplates('prompts');
const FEEDBACK = '<reason>Wait... check.</reason> <opinion>correct</opinion> <phrase>The answer is \\boxed{2}.</phrase>';

/** A teacher answering the i-th request with replies[i]. */
const scripted = (replies: TeacherReply[]): Teacher => ({
  description: 'scripted (test)',
  feedback: async () => replies,
  dispose() {},
});

test("a chosen rollout keeps the teacher's error, or its unparseable reply as written", async () => {
  const group = [0, 1, 2].map((s) => ({ ...rollout(0, s, [1], [5], 0), studentText: 'x' }));
  const replies: TeacherReply[] = [
    { ok: true, text: 'I think it is\nfine.' },
    { ok: false, error: "teacher at http://h/v1 failed: HTTP 400: The model 'x' does not exist" },
    { ok: true, text: FEEDBACK },
  ];
  const tok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
  const out = await guideRollouts([group], scripted(replies), templates, tok, () => 0.5, {
    pct: 1,
    styles: ['self-agreement'],
    styleMix: 'round-robin',
    counter: 0,
  });
  assert.equal(out.chosen, 3);
  assert.equal(out.noFeedback, 2);
  const reasons = new Map(group.map((r) => [r.sample, r.noFeedbackReason]));
  const unparseable = [...reasons.values()].find((v) => v?.startsWith('unparseable'));
  assert.equal(unparseable, 'unparseable: "I think it is\\nfine."', 'the reply, quoted on one line');
  assert.ok([...reasons.values()].includes(`${TEACHER_ERROR_PREFIX}teacher at http://h/v1 failed: HTTP 400: The model 'x' does not exist`));
  assert.equal([...reasons.values()].filter((v) => v === null).length, 1, 'the parsed one is guided');
});

test('a long unparseable reply is kept up to SAVED_REPLY_CHARS, with how much was cut', () => {
  const reason = unparseableReason('a'.repeat(SAVED_REPLY_CHARS + 10));
  assert.equal(reason, `unparseable: "${'a'.repeat(SAVED_REPLY_CHARS)}... (10 more characters)"`);
});

const record = (sample: number, over: Partial<RolloutRecord>): RolloutRecord => ({
  step: 3,
  group: 0,
  sample,
  promptId: 'p0',
  prompt: 'q',
  text: 't',
  studentSpan: [0, 1],
  teacherSpan: null,
  studentTokens: 1,
  teacherTokens: 0,
  guided: false,
  style: null,
  feedback: null,
  noFeedbackReason: null,
  reward: 0,
  rewards: {},
  advantage: 0,
  terminated: true,
  truncated: false,
  answer: '1',
  teacherTokenWeights: null,
  templateVersion: 1,
  ...over,
});

test('a step whose teacher calls failed gives one warning with the count and the first error', () => {
  const rollouts = [
    record(0, { noFeedbackReason: `${TEACHER_ERROR_PREFIX}teacher at http://h/v1 failed after 3 attempts: HTTP 503: overloaded` }),
    record(1, { noFeedbackReason: `${TEACHER_ERROR_PREFIX}teacher at http://h/v1 failed after 3 attempts: no answer\nwithin 100 ms` }),
    record(2, { noFeedbackReason: 'unparseable: "hmm"' }), // answered: not a failed call
    record(3, { guided: true }),
    record(4, {}), // not chosen
  ];
  const message = teacherFailureMessage(3, rollouts);
  assert.equal(message, 'teacher: 2 of 4 calls failed at step 4: teacher at http://h/v1 failed after 3 attempts: HTTP 503: overloaded');
  // The trainer yields it as a warning event: the headless line and the dashboard's notice.
  const line = new ProgressPrinter().line({ type: 'warning', message: message! });
  assert.deepEqual(line, { text: `warning: ${message}`, level: 'warning' });
  assert.equal(parseProgressLine(line!.text), null, 'not read back as a step, checkpoint, done or error line');
  // No failed call, no warning.
  assert.equal(teacherFailureMessage(3, rollouts.slice(2)), null);
});

test('the warning stays one line of bounded length whatever the server said', () => {
  const long = `${TEACHER_ERROR_PREFIX}HTTP 500: ${'z'.repeat(5000)}\nsecond line`;
  const text = teacherFailureMessage(0, [record(0, { noFeedbackReason: long })])!;
  assert.ok(!text.includes('\n'));
  assert.ok(text.length < 400, `${text.length} characters`);
  assert.match(text, /^teacher: 1 of 1 calls failed at step 1: HTTP 500: z+\.\.\.$/);
});
