// The base-model probes (thinktune probe / the pretrain model card) on a tiny model: shapes and ranges,
// and that a teacher answer only counts as a correction when the augmented text ends right.
import { test, before } from 'node:test';
import assert from 'node:assert/strict';
import { useTestBackend } from '../helpers/backend.js';
import { tinyWorldModel } from '../helpers/tiny-world.js';
import { loadModel } from '../../src/model/io.js';
import { loadTemplates } from '../../src/prompts/templates.js';
import { heldOutProblems, probeBaseModel } from '../../src/world/base-model.js';

before(useTestBackend);

test('probeBaseModel reports fractions over the problems it was given', async () => {
  const { model, tokenizer } = await loadModel(tinyWorldModel());
  const p = probeBaseModel(model, tokenizer!, loadTemplates('prompts'), heldOutProblems('test', 6));
  assert.equal(p.n, 6);
  for (const k of [
    'studentAccuracy',
    'studentReflection',
    'teacherParseRate',
    'teacherVerdictAccuracy',
    'teacherCorrectionAccuracy',
    'teacherFixRate',
  ] as const) {
    assert.ok(p[k] >= 0 && p[k] <= 1, `${k} = ${p[k]}`);
    if (k !== 'teacherFixRate') assert.ok(Math.abs(p[k] * 6 - Math.round(p[k] * 6)) < 1e-9, `${k} is a count over the 6 problems`);
  }
  // A verdict or a correction needs a parsed answer first.
  assert.ok(p.teacherVerdictAccuracy <= p.teacherParseRate && p.teacherCorrectionAccuracy <= p.teacherParseRate);
  model.dispose();
});

test('held-out problems come from the named split and do not overlap', () => {
  const t = heldOutProblems('test', 50).map((p) => p.question);
  const v = new Set(heldOutProblems('validation', 50).map((p) => p.question));
  assert.equal(t.filter((q) => v.has(q)).length, 0);
});
