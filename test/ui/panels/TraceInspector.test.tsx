import assert from 'node:assert/strict';
import { test } from 'node:test';
import { render } from 'ink-testing-library';
import { TEACHER_PREFIX, TraceInspector, clampTraceScroll, sparkline, traceLineStyle, traceLines, weightSummary } from '../../../ui/panels/TraceInspector.js';
import { assertFits, plain, rollout } from './frame.js';

const r = rollout();
const studentText = r.text.slice(...r.studentSpan);
const teacherText = r.text.slice(...r.teacherSpan!);
const words = (s: string): string[] => s.split(/\s+/).filter((w) => w !== '');

test('traceLines: prompt, student, teacher, feedback, reward and weights in that order, wrapped to the width', () => {
  for (const width of [80, 30]) {
    const lines = traceLines(r, width, true);
    for (const l of lines) assert.ok(l.text.length <= width, `'${l.text}' is wider than ${width}`);
    const order = ['prompt', 'student', 'teacher', 'feedback'].map((k) => lines.findIndex((l) => l.kind === k));
    assert.deepEqual(
      [...order].sort((a, b) => a - b),
      order,
      `sections out of order at width ${width}`,
    );
    // Wrapping moves words to new rows but never drops or splits one that fits a row.
    assert.deepEqual(
      words(
        lines
          .filter((l) => l.kind === 'student')
          .map((l) => l.text)
          .join(' '),
      ),
      words(studentText),
    );
    assert.deepEqual(
      words(
        lines
          .filter((l) => l.kind === 'teacher')
          .map((l) => l.text)
          .join(' '),
      ),
      words(teacherText),
    );
    assert.deepEqual(
      words(
        lines
          .filter((l) => l.kind === 'prompt')
          .map((l) => l.text)
          .join(' '),
      ),
      words(r.prompt),
    );
  }
  const text = traceLines(r, 80, true)
    .map((l) => l.text)
    .join('\n');
  assert.match(text, /^step 13 group 4 sample 1 /, 'the title counts steps, groups and samples from 1 (the rollout holds 12, 3, 0)');
  assert.match(text, /opinion\s+incorrect/);
  assert.match(text, /reason\s+Each friend gets 4, so multiply\./);
  assert.match(text, /phrase\s+Then 20 - 12 = 8/);
  assert.match(text, /reward\s+1\.00\s+advantage \+0\.87/);
  assert.match(text, /correctness 1\.00\s+format 0\.50/);
  assert.match(text, /min 0\.100\s+mean 0\.550\s+max 1\.000/);
});

test('without colour every teacher line starts with T| and nothing else does; with colour none do', () => {
  const plainLines = traceLines(r, 40, false);
  const teacher = plainLines.filter((l) => l.kind === 'teacher');
  assert.ok(teacher.length >= 2, 'the teacher part wraps to several lines at width 40');
  for (const l of teacher) assert.ok(l.text.startsWith(TEACHER_PREFIX) && l.text.length <= 40, l.text);
  for (const l of plainLines.filter((x) => x.kind !== 'teacher')) assert.ok(!l.text.startsWith(TEACHER_PREFIX), l.text);
  assert.ok(traceLines(r, 40, true).every((l) => !l.text.startsWith(TEACHER_PREFIX)));
  assert.equal(traceLineStyle('teacher', true).color, 'magenta');
  assert.equal(traceLineStyle('teacher', false).color, undefined);
  assert.equal(traceLineStyle('prompt', false).dim, true);

  const { lastFrame, unmount } = render(<TraceInspector rollout={r} scroll={0} width={40} height={40} color={false} />);
  const rows = assertFits(lastFrame(), 40, 40);
  unmount();
  assert.ok(rows.filter((x) => x.startsWith('T| ')).length === teacher.length);
});

test('a long word is cut into row-sized pieces and newlines are kept', () => {
  const long = 'x'.repeat(50);
  const text = `first line\n${long}\nlast`;
  const lines = traceLines(
    rollout({ text, studentSpan: [0, text.length], teacherSpan: null, guided: false, teacherTokenWeights: null, feedback: null }),
    20,
    true,
  );
  const student = lines.filter((l) => l.kind === 'student').map((l) => l.text);
  assert.deepEqual(student, ['first line', 'x'.repeat(20), 'x'.repeat(20), 'x'.repeat(10), 'last']);
});

test('an unguided rollout has no teacher, feedback or weight sections', () => {
  const lines = traceLines(plain(4, -0.5), 80, false);
  assert.ok(!lines.some((l) => l.kind === 'teacher' || l.kind === 'feedback'));
  assert.ok(!lines.some((l) => /teacher token weights/.test(l.text)));
  const noFb = traceLines(rollout({ feedback: null, noFeedbackReason: 'unparseable' }), 80, true);
  assert.ok(noFb.some((l) => l.kind === 'feedback' && /none\s+unparseable/.test(l.text)));
});

test('scroll picks the first visible line, is clamped, and the last row says where we are', () => {
  const width = 40;
  const height = 10;
  const all = traceLines(r, width, true);
  assert.ok(all.length > 2 * height, 'enough lines to scroll');
  const at = (scroll: number): string[] => {
    const { lastFrame, unmount } = render(<TraceInspector rollout={r} scroll={scroll} width={width} height={height} color />);
    const rows = assertFits(lastFrame(), width, height);
    unmount();
    return rows;
  };
  const top = at(0);
  assert.equal(top.length, height);
  assert.equal(top[0], all[0].text);
  assert.equal(top[9], `-- lines 1-9 of ${all.length}, 0% --`);

  const mid = at(5);
  assert.deepEqual(
    mid.slice(0, 9),
    all.slice(5, 14).map((l) => l.text.trimEnd()),
  );
  assert.match(mid[9], new RegExp(`^-- lines 6-14 of ${all.length}, \\d+% --$`));

  const end = at(10_000);
  assert.equal(end[8], all[all.length - 1].text.trimEnd());
  assert.equal(end[9], `-- lines ${all.length - 8}-${all.length} of ${all.length}, 100% --`);
  assert.equal(clampTraceScroll(10_000, all.length, height), all.length - 9);
  assert.equal(clampTraceScroll(-3, all.length, height), 0);
  assert.equal(clampTraceScroll(4, 5, height), 0, 'everything fits: no scrolling');
});

test('fits 80x24, shows everything when it fits, and handles no rollout', () => {
  const { lastFrame, rerender, unmount } = render(<TraceInspector rollout={r} scroll={0} width={80} height={24} color />);
  assertFits(lastFrame(), 80, 24);
  rerender(<TraceInspector rollout={plain(1, 0)} scroll={3} width={80} height={24} color />);
  const rows = assertFits(lastFrame(), 80, 24);
  assert.match(rows[rows.length - 1], /^-- all \d+ lines --$/);
  rerender(<TraceInspector rollout={null} scroll={0} width={80} height={24} color />);
  assert.match(assertFits(lastFrame(), 80, 24)[0], /no rollout selected/);
  unmount();
});

test('weight summary and sparkline', () => {
  assert.deepEqual(weightSummary([], 10), ['no teacher tokens']);
  const [stats, spark] = weightSummary([0, 0.5, 1, 1], 80);
  assert.equal(stats, 'min 0.000  mean 0.625  max 1.000');
  assert.equal(spark, '_+@@', '0.5 sits on level 5 of 0..9');
  assert.equal(sparkline([0, 0, 1, 1], 2, 0, 1), '_@', 'buckets average neighbouring tokens');
  assert.equal(sparkline([2, 2], 5, 2, 2), '++', 'a flat series sits in the middle');
});
