import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { parseTrainConfig } from '../../src/config/train-config.js';
import { presetConfig } from '../../src/model/config.js';
import { checkRunFits, checkTeacherFits, longestPrompt } from '../../src/trainer/length-guard.js';
import { loadTemplates } from '../../src/prompts/templates.js';
import type { Teacher } from '../../src/trainer/teacher.js';
import { resolvePromptsDir } from '../../src/paths.js';
import type { StudentPromptFn } from '../../src/tasks/student-prompt.js';

// One token per character of the question, plus BOS.
const prompt: StudentPromptFn = (q) => ({ text: q, ids: [0, ...Array.from(q, () => 1)] });
const problems = [
  { id: 'a', question: 'x'.repeat(10), answer: '1' },
  { id: 'long', question: 'x'.repeat(40), answer: '2' },
];

describe('checkRunFits', () => {
  const model = presetConfig('tiny', 16, { max_position_embeddings: 128 });

  it('finds the longest prompt', () => {
    assert.deepEqual(longestPrompt(problems, prompt), { tokens: 41, id: 'long' });
  });

  it('passes a run whose prompt, response and feedback fit', () => {
    checkRunFits(model, problems, prompt, parseTrainConfig({ grpo: { maxNewTokens: 40 }, teacher: { maxNewTokens: 40 } })); // 41 + 40 + 40 + 1 = 122
    checkRunFits(model, problems, prompt, parseTrainConfig({ grpo: { maxNewTokens: 87 }, guidance: { enabled: false } })); // 41 + 87 = 128
  });

  it('refuses one that cannot fit, in one line naming the numbers and the keys to change', () => {
    const config = parseTrainConfig({ grpo: { maxNewTokens: 64 }, teacher: { maxNewTokens: 64 } });
    assert.throws(
      () => checkRunFits(model, problems, prompt, config),
      (e: Error) => {
        assert.equal(e.message.split('\n').length, 1);
        assert.match(
          e.message,
          /longest prompt \(long, 41 tokens\) \+ grpo\.maxNewTokens \(64\) \+ teacher\.maxNewTokens \(64\) \+ 1 = 170 tokens, but the student has 128 positions/,
        );
        assert.match(e.message, /lower grpo\.maxNewTokens or teacher\.maxNewTokens/);
        return true;
      },
    );
  });
});

describe('checkTeacherFits', () => {
  const templates = loadTemplates(resolvePromptsDir('prompts'));
  // A local teacher whose prompt is one token per character, with 2048 positions.
  const seen: string[][] = [];
  const teacher = (layout: 'short' | 'paper'): Teacher => ({
    description: 'fake',
    layout,
    feedback: async () => [],
    dispose: () => {},
    promptRoom: (_t, input) => (seen.push([...input.styles]), { tokens: input.question.length + 100 * input.styles.length, positions: 2048 }),
  });

  it('measures the paper layout with all four styles, and passes what fits', () => {
    checkTeacherFits(teacher('paper'), templates, problems, parseTrainConfig({}));
    assert.equal(seen.at(-1)!.length, 4);
    checkTeacherFits(teacher('short'), templates, problems, parseTrainConfig({}));
    assert.equal(seen.at(-1)!.length, 1);
  });

  it('refuses a teacher that cannot hold its prompt, a response and its answer, in one line', () => {
    const config = parseTrainConfig({ grpo: { maxNewTokens: 1024 }, teacher: { maxNewTokens: 600 } });
    assert.throws(
      () => checkTeacherFits(teacher('paper'), templates, problems, config),
      /the teacher cannot fit its prompts: its prompt \(paper layout\) for the longest question \(long\) is 440 tokens, \+ a response of up to grpo\.maxNewTokens \(1024\) \+ teacher\.maxNewTokens \(600\) = 2064, but the teacher has 2048 positions/,
    );
    checkTeacherFits(
      teacher('paper'),
      templates,
      problems,
      parseTrainConfig({ guidance: { enabled: false }, grpo: { maxNewTokens: 1024 }, teacher: { maxNewTokens: 600 } }),
    );
  });
});
