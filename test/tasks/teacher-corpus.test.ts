import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STYLE_NAMES, loadTemplates, renderTeacherPrompt, type StyleName } from '../../src/prompts/templates.js';
import { checkFeedbackTags } from '../../src/prompts/template-check.js';
import { assembleAugmented, parseTeacherFeedback } from '../../src/rl/feedback.js';
import { answersEquivalent, extractAnswer } from '../../src/rl/math-answer.js';
import { mulberry32 } from '../../src/rl/rng.js';
import { CharTokenizer, DEFAULT_ALPHABET } from '../../src/tokenizer/char.js';
import { arithDataset, stepLine, type ArithProblem } from '../../src/tasks/arith.js';
import { DatasetError } from '../../src/tasks/errors.js';
import { studentSolution } from '../../src/tasks/slips.js';
import { DRILL_LINES, encodeDocument, naturalStyles, pretrainCorpus, reviewPrompt, studentPrompt, teacherAnswer } from '../../src/tasks/teacher-corpus.js';
import { isReflective } from '../../src/eval/reflection.js';

const templates = loadTemplates('prompts');
const charTok = CharTokenizer.fromAlphabet(DEFAULT_ALPHABET);
const noUnk = (text: string) => assert.ok(!charTok.encode(text).includes(charTok.unkId), text);
const problems = arithDataset('train', { count: 600, seed: 31 });

/** Every check a teacher answer must pass, for one attempt. */
function checkAnswer(p: ArithProblem, attempt: ReturnType<typeof studentSolution>, style: StyleName, answer: string): void {
  checkFeedbackTags('teacher answer', answer); // the format the style examples in prompts/ are held to
  // Reason first: the verdict comes after the checks that decide it.
  assert.match(answer, /^<reason>[^<>]+<\/reason> <opinion>(correct|incorrect)<\/opinion> <phrase>[^<>]+<\/phrase>$/);
  const fb = parseTeacherFeedback(answer);
  assert.ok(fb, answer);
  assert.equal(fb.opinion, attempt.correct ? 'correct' : 'incorrect');
  assert.match(fb.reason, /^Wait\.\.\. /);
  assert.match(fb.reason, /\b(I|my|me)\b/, 'first person');
  assert.ok(!fb.reason.includes('\\boxed'), 'only the phrase boxes an answer');
  assert.ok(answersEquivalent(extractAnswer(fb.phrase)!, p.answer), `${style}: ${fb.phrase} vs ${p.answer}`);
  assert.ok(fb.phrase.endsWith(`The answer is \\boxed{${p.answer}}.`));
  // The reason redoes every gold step from the question, then compares with the attempt's answer.
  const said = extractAnswer(attempt.text)!;
  assert.ok(
    fb.reason.includes(`${p.steps.map((g) => `${g.left} ${g.op} ${g.right} is ${g.result}`).join(', and ')}.`),
    `${style} redoes the work: ${fb.reason}`,
  );
  assert.ok(fb.reason.endsWith(`I said ${said}, and that is ${attempt.correct ? 'right' : 'wrong'}.`), fb.reason);
  if (!attempt.correct) assert.ok(fb.phrase.startsWith(`So the answer is ${p.answer}, not ${said}.`), fb.phrase);
  const aug = assembleAugmented(attempt.text, fb);
  assert.ok(answersEquivalent(extractAnswer(aug.text)!, p.answer), 'the augmented rollout ends with the right answer');
  noUnk(answer);
}

describe('teacherAnswer', () => {
  for (const style of STYLE_NAMES) {
    it(`${style}: parses, judges right, names the slip, and boxes the correct answer (right and wrong attempts)`, () => {
      const rng = mulberry32(STYLE_NAMES.indexOf(style) + 1);
      for (const p of problems) {
        for (const slipRate of [0, 1]) {
          const attempt = studentSolution(p, { slipRate, rng });
          checkAnswer(p, attempt, style, teacherAnswer(p, attempt.text, attempt, style, rng));
        }
      }
    });
  }

  it('a misread attempt ("3 times as many" added): the teacher reads the question right, multiplies, and fixes it', () => {
    const rng = mulberry32(4);
    let misread = 0;
    for (const p of problems.filter((q) => q.steps.some((x) => x.scaling))) {
      const attempt = studentSolution(p, { slipRate: 0, misreadRate: 1, rng });
      if (attempt.correct) continue;
      misread++;
      const answer = teacherAnswer(p, attempt.text, attempt, 'self-conflict', rng);
      checkAnswer(p, attempt, 'self-conflict', answer);
      const i = p.steps.findIndex((x) => x.scaling);
      assert.ok(answer.includes(`${p.steps[i].left} x ${p.steps[i].right} is ${p.steps[i].result}`), answer);
    }
    assert.ok(misread > 50, `${misread} misread attempts`);
  });

  it('speaks in the style it is given (openers from prompts/self-*.txt)', () => {
    const p = problems[0];
    const wrong = studentSolution(p, { slipRate: 1, rng: mulberry32(1) });
    const right = studentSolution(p, { slipRate: 0, rng: mulberry32(1) });
    const reason = (a: typeof wrong, s: StyleName) => parseTeacherFeedback(teacherAnswer(p, a.text, a, s, mulberry32(0)))!.reason;
    assert.match(reason(right, 'self-agreement'), /^Wait\.\.\. let me (walk through|go over) my steps/);
    assert.match(reason(wrong, 'self-consultation'), /^Wait\.\.\. my mentor would ask: are you sure about that number, \d+\?/);
    assert.match(reason(right, 'self-critique'), /^Wait\.\.\. I (rushed|did not check)/);
    assert.match(
      reason(wrong, 'self-conflict'),
      /^Wait\.\.\. let me make sure (my numbers add up|nothing conflicts)\. \d+ [-+x] \d+ is \d+(, and \d+ [-+x] \d+ is \d+)*\. I said \d+, and that is wrong\.$/,
    );
  });

  it('opens the same way for a right and a wrong attempt: the opener never gives the verdict away', () => {
    for (const style of STYLE_NAMES) {
      const openers = (slipRate: number) =>
        new Set(
          problems.slice(0, 200).map((p, i) => {
            const a = studentSolution(p, { slipRate, rng: mulberry32(i) });
            return parseTeacherFeedback(teacherAnswer(p, a.text, a, style, mulberry32(i)))!
              .reason.replace(/\d+/g, 'N')
              .split(' N ')[0];
          }),
        );
      assert.deepEqual([...openers(1)].sort(), [...openers(0)].sort(), style);
    }
  });

  it('an attempt with no boxed answer: the teacher still redoes the problem and boxes the right answer', () => {
    const p = problems[1];
    const text = 'I guess.';
    const fb = parseTeacherFeedback(teacherAnswer(p, text, { correct: false }, 'self-conflict', mulberry32(2)))!;
    assert.equal(fb.opinion, 'incorrect');
    assert.match(fb.reason, /I said nothing, and that is wrong\.$/);
    assert.ok(fb.reason.includes(`${p.steps[0].left} ${p.steps[0].op} ${p.steps[0].right} is ${p.steps[0].result}`));
    assert.ok(answersEquivalent(extractAnswer(assembleAugmented(text, fb).text)!, p.answer));
  });
});

describe('pretrainCorpus', () => {
  const opts = { count: 1500, seed: 4, slipRate: 0.2, teacherFraction: 0.4, templates };
  const docs = pretrainCorpus(opts);
  const teacherDocs = docs.filter((d) => d.kind === 'teacher');
  const studentDocs = docs.filter((d) => d.kind === 'student');
  const byId = new Map(arithDataset('train', { count: 1500, seed: 4 }).map((p) => [p.id, p]));

  it('is deterministic, uses train problems only, and mixes kinds and slip rates as asked', () => {
    assert.deepEqual(pretrainCorpus(opts), docs);
    assert.deepEqual(
      docs.map((d) => d.problemId),
      [...byId.keys()],
      'one distinct train problem per document, in dataset order',
    );
    const sd = (q: number, n: number) => Math.sqrt((q * (1 - q)) / n);
    assert.ok(Math.abs(teacherDocs.length / docs.length - 0.4) < 3.5 * sd(0.4, docs.length), `teacher share ${teacherDocs.length}`);
    const studentWrong = studentDocs.filter((d) => !d.correct).length / studentDocs.length;
    assert.ok(Math.abs(studentWrong - 0.2) < 3.5 * sd(0.2, studentDocs.length), `student slips ${studentWrong}`);
    const teacherWrong = teacherDocs.filter((d) => !d.correct).length / teacherDocs.length;
    assert.ok(Math.abs(teacherWrong - 0.5) < 3.5 * sd(0.5, teacherDocs.length), `teacher-doc slips ${teacherWrong}`);
  });

  it('drill documents are correct step lines of train problems, and adding them leaves the teacher documents as they were', () => {
    const withDrills = pretrainCorpus({ ...opts, drillFraction: 0.3 });
    const drills = withDrills.filter((d) => d.kind === 'drill');
    const sd = Math.sqrt((0.3 * 0.7) / docs.length);
    assert.ok(Math.abs(drills.length / docs.length - 0.3) < 3.5 * sd, `drill share ${drills.length}`);
    const trainLines = new Set([...byId.values()].flatMap((p) => p.steps.map(stepLine)));
    for (const d of drills) {
      assert.equal(d.prompt, 'Practice:\n');
      const lines = d.completion.split('\n');
      assert.equal(lines.length, DRILL_LINES);
      // Its own problem's steps first, then steps of other train problems; every line is right.
      assert.deepEqual(lines.slice(0, byId.get(d.problemId)!.steps.length), byId.get(d.problemId)!.steps.map(stepLine));
      for (const line of lines) {
        const [, a, op, b, c] = line.match(/^(\d+) ([-+x]) (\d+) = (\d+)$/)!;
        assert.equal(Number(c), op === '+' ? Number(a) + Number(b) : op === '-' ? Number(a) - Number(b) : Number(a) * Number(b));
        assert.ok(trainLines.has(line), `${line} is a train step`);
      }
    }
    // Drills replace student documents only: the teacher documents are the same ones.
    assert.deepEqual(
      withDrills.filter((d) => d.kind === 'teacher'),
      teacherDocs,
    );
    assert.throws(() => pretrainCorpus({ ...opts, drillFraction: 0.7 }), /teacherFraction \+ drillFraction \+ reviewFraction must be at most 1/);
  });

  it('review documents are an attempt plus the reflection the trainer appends, under their own prompt; no other document reflects after an answer', () => {
    const withReviews = pretrainCorpus({ ...opts, drillFraction: 0.2, reviewFraction: 0.2 });
    const reviews = withReviews.filter((d) => d.kind === 'review');
    const sd = Math.sqrt((0.2 * 0.8) / docs.length);
    assert.ok(Math.abs(reviews.length / docs.length - 0.2) < 3.5 * sd, `review share ${reviews.length}`);
    for (const d of reviews) {
      const p = byId.get(d.problemId)!;
      assert.equal(d.prompt, reviewPrompt(p.question));
      assert.notEqual(d.prompt, studentPrompt(p.question));
      // attempt + "\n\n" + reason + "\n\n" + phrase: what assembleAugmented makes of the teacher's feedback.
      const [attempt, reason, phrase, ...rest] = d.completion.split('\n\n');
      assert.equal(rest.length, 0);
      assert.match(attempt, /The answer is \\boxed\{-?\d+\}\.$/);
      assert.equal(answersEquivalent(extractAnswer(attempt)!, p.answer), d.correct);
      assert.equal(assembleAugmented(attempt, { reason, phrase }).text, d.completion);
      assert.ok(reason.startsWith('Wait') || reason.includes('Wait'), reason);
      assert.ok(STYLE_NAMES.includes(d.style!), 'any style: the opener does not give the verdict away');
      assert.ok(answersEquivalent(extractAnswer(phrase)!, p.answer), 'the reflection ends right');
      assert.ok(isReflective(d.completion), d.completion);
      noUnk(d.prompt + d.completion);
    }
    for (const d of withReviews.filter((x) => x.kind === 'student')) assert.ok(!d.completion.includes('Wait'), 'students never reflect');
    // Reviews replace student documents only: the teacher and drill documents are the same ones.
    assert.deepEqual(
      withReviews.filter((d) => d.kind === 'teacher'),
      teacherDocs,
    );
    assert.deepEqual(
      withReviews.filter((d) => d.kind === 'drill'),
      pretrainCorpus({ ...opts, drillFraction: 0.2 }).filter((d) => d.kind === 'drill'),
    );
    assert.throws(
      () => pretrainCorpus({ ...opts, drillFraction: 0.3, reviewFraction: 0.5 }),
      /teacherFraction \+ drillFraction \+ reviewFraction must be at most 1/,
    );
  });

  it('misreadRate: student documents and the attempts teachers and reviews show misread; the teacher never does', () => {
    const withHabit = pretrainCorpus({ ...opts, reviewFraction: 0.2, misreadRate: 1 });
    const misreads = (kind: string) => withHabit.filter((d) => d.kind === kind && byId.get(d.problemId)!.steps.some((x) => x.scaling));
    for (const kind of ['student', 'teacher', 'review']) {
      const docs = misreads(kind);
      const added = docs.filter((d) => {
        const i = byId.get(d.problemId)!.steps.findIndex((x) => x.scaling);
        const st = byId.get(d.problemId)!.steps[i];
        // A teacher document shows the attempt in its prompt; the others hold it in the completion.
        return (d.prompt + d.completion).includes(`${st.left} + ${st.right} = ${st.left + st.right}`);
      });
      assert.ok(docs.length > 20 && added.length > 0.75 * docs.length, `${kind}: ${added.length} of ${docs.length} misread`);
      for (const d of docs.filter((x) => x.kind !== 'student')) {
        const p = byId.get(d.problemId)!;
        const st = p.steps.find((x) => x.scaling)!;
        assert.ok(d.completion.includes(`${st.left} x ${st.right} is ${st.result}`), `the redo multiplies: ${d.completion}`);
      }
    }
    assert.throws(() => pretrainCorpus({ ...opts, misreadRate: 1.2 }), /misreadRate must be in \[0, 1\], got 1.2/);
  });

  it('student documents are studentPrompt(question) + a solution, in the char alphabet', () => {
    for (const d of studentDocs) {
      const p = byId.get(d.problemId)!;
      assert.equal(d.prompt, studentPrompt(p.question));
      assert.match(d.completion, /^\d+ [-+x] \d+ = \d+\n[\s\S]*The answer is \\boxed\{\d+\}\.$/);
      assert.equal(answersEquivalent(extractAnswer(d.completion)!, p.answer), d.correct);
      noUnk(d.prompt + d.completion);
    }
  });

  it('teacher documents are the rendered prompts/ teacher prompt + " " + a parsing answer in the shown style', () => {
    for (const d of teacherDocs) {
      const p = byId.get(d.problemId)!;
      assert.ok(d.prompt.endsWith('\nFeedback:'));
      // The attempt is after the last "Response:" (the style example has one too).
      const response = d.prompt.slice(d.prompt.lastIndexOf('\nResponse: ') + '\nResponse: '.length, -'\nFeedback:'.length);
      assert.equal(d.prompt, renderTeacherPrompt(templates, { question: p.question, response, styles: d.promptStyles! }));
      assert.equal(d.promptStyles!.length, 1, 'default mix: one style example per prompt');
      assert.equal(d.style, d.promptStyles![0]);
      assert.ok(d.completion.startsWith(' <reason>Wait... '));
      const fb = parseTeacherFeedback(d.completion)!;
      assert.equal(fb.opinion, d.correct ? 'correct' : 'incorrect');
      assert.equal(answersEquivalent(extractAnswer(response)!, p.answer), d.correct);
      assert.ok(answersEquivalent(extractAnswer(assembleAugmented(response, fb).text)!, p.answer));
      noUnk(d.prompt + d.completion);
    }
    assert.deepEqual(new Set(teacherDocs.map((d) => d.style)), new Set(STYLE_NAMES));
  });

  it("with all four examples shown, the answer's style fits the verdict", () => {
    const all = pretrainCorpus({ ...opts, count: 200, teacherFraction: 1, styles: { styles: STYLE_NAMES, mix: 'all' } });
    for (const d of all) {
      assert.deepEqual(d.promptStyles, [...STYLE_NAMES]);
      assert.ok(naturalStyles(d.correct).includes(d.style!), `${d.style} for correct=${d.correct}`);
    }
  });

  it('encodeDocument: bos + prompt + completion + eos, completion start marked', () => {
    const d = teacherDocs[0];
    const { ids, completionStart } = encodeDocument(d, charTok);
    assert.equal(ids[0], charTok.bosId);
    assert.equal(ids[ids.length - 1], charTok.eosId);
    assert.equal(completionStart, 1 + d.prompt.length);
    assert.equal(charTok.decode(ids.slice(completionStart, -1)), d.completion);
    assert.equal(charTok.decode(ids, { skipSpecial: true }), d.prompt + d.completion);
  });

  it('rejects shares outside [0, 1] with a one-line DatasetError', () => {
    assert.throws(
      () => pretrainCorpus({ ...opts, teacherFraction: 1.5 }),
      (e: unknown) => e instanceof DatasetError && /teacherFraction must be in \[0, 1\], got 1.5/.test(e.message),
    );
    assert.throws(() => pretrainCorpus({ ...opts, teacherSlipRate: -0.1 }), DatasetError);
  });
});
