import assert from 'node:assert/strict';
import { test } from 'node:test';
import { mergeLog } from '../../../ui/panels/LogPanel.js';

test('teacher feedback lines name the step as users count it; notices and feedback merge by time', () => {
  const lines = mergeLog(
    [{ at: 2, level: 'info', source: 'trainer', text: 'checkpoint at step 5: runs/x/checkpoints/step-5' }],
    [{ at: 1, step: 4, group: 0, sample: 3, style: 'hint', ok: true, text: 'Check the carry.' }],
  );
  assert.deepEqual(
    lines.map((l) => [l.tag, l.text]),
    [
      ['fb', 's5 g1#4 hint ok: Check the carry.'], // index 4 is the 5th step, the one checkpoint step-5 saved
      ['info', 'checkpoint at step 5: runs/x/checkpoints/step-5'],
    ],
  );
});
