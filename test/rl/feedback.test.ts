import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { assembleAugmented, parseTeacherFeedback } from '../../src/rl/feedback.js';

const GOOD = `<opinion>incorrect</opinion>
<reason>Wait... that is not what the problem said. It asked for the total, not the difference.</reason>
<phrase>So I add them instead: 12 + 7 = 19. The answer is \\boxed{19}.</phrase>`;

describe('parseTeacherFeedback', () => {
  it('reads the three tagged parts, trimmed', () => {
    assert.deepEqual(parseTeacherFeedback(GOOD), {
      opinion: 'incorrect',
      reason: 'Wait... that is not what the problem said. It asked for the total, not the difference.',
      phrase: 'So I add them instead: 12 + 7 = 19. The answer is \\boxed{19}.',
    });
  });

  it('is case-insensitive in tags and opinion, and tolerates spaces inside tags', () => {
    const fb = parseTeacherFeedback('<OPINION> Correct. </OPINION><Reason>\n ok \n</REASON>< phrase >\\boxed{3}</ phrase >');
    assert.deepEqual(fb, { opinion: 'correct', reason: 'ok', phrase: '\\boxed{3}' });
  });

  it('accepts a missing opinion (null) but rejects an invalid one', () => {
    assert.equal(parseTeacherFeedback('<reason>r</reason><phrase>\\boxed{1}</phrase>')?.opinion, null);
    assert.equal(parseTeacherFeedback('<opinion>maybe</opinion><reason>r</reason><phrase>\\boxed{1}</phrase>'), null);
    assert.equal(parseTeacherFeedback('<opinion></opinion><reason>r</reason><phrase>\\boxed{1}</phrase>'), null);
  });

  it('ignores text around the tags and uses the first complete occurrence', () => {
    const fb = parseTeacherFeedback(`Sure! ${GOOD}\nExample 2: <reason>other</reason><phrase>\\boxed{0}</phrase>`);
    assert.equal(fb?.phrase, 'So I add them instead: 12 + 7 = 19. The answer is \\boxed{19}.');
  });

  const malformed: [string, string][] = [
    ['no reason', '<opinion>correct</opinion><phrase>\\boxed{1}</phrase>'],
    ['no phrase', '<opinion>correct</opinion><reason>r</reason>'],
    ['empty reason', '<reason>  </reason><phrase>\\boxed{1}</phrase>'],
    ['empty phrase', '<reason>r</reason><phrase>\n</phrase>'],
    ['phrase without a box', '<reason>r</reason><phrase>The answer is 19.</phrase>'],
    ['phrase with an empty box', '<reason>r</reason><phrase>\\boxed{}</phrase>'],
    ['phrase with an unclosed box', '<reason>r</reason><phrase>\\boxed{19</phrase>'],
    ['unclosed phrase (truncated)', '<reason>r</reason><phrase>so \\boxed{19}'],
    ['reason swallowing a tag', '<reason>r <phrase>x</reason><phrase>\\boxed{1}</phrase>'],
    ['nothing at all', 'I think the student is right.'],
  ];
  for (const [what, text] of malformed) {
    it(`returns null for ${what}`, () => assert.equal(parseTeacherFeedback(text), null));
  }
});

describe('assembleAugmented', () => {
  it('joins student + "\\n\\n" + reason + "\\n\\n" + phrase and drops the opinion', () => {
    const fb = parseTeacherFeedback(GOOD)!;
    const student = 'There are 12 and 7, so 12 - 7 = 5. \\boxed{5}';
    const out = assembleAugmented(student, fb);
    assert.equal(out.text, `${student}\n\n${fb.reason}\n\n${fb.phrase}`);
    assert.equal(out.studentPart, student);
    assert.equal(out.teacherPart, `\n\n${fb.reason}\n\n${fb.phrase}`);
    assert.equal(out.teacherStart, student.length);
    assert.equal(out.text.slice(out.teacherStart), out.teacherPart);
    assert.ok(!out.text.includes('incorrect') && !out.text.includes('<'));
  });

  it('keeps the student text verbatim, trailing whitespace included', () => {
    const out = assembleAugmented('abc \n', { reason: 'r', phrase: 'p' });
    assert.equal(out.text, 'abc \n\n\nr\n\np');
    assert.equal(out.teacherStart, 5);
  });
});
