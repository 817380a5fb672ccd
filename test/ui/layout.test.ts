import assert from 'node:assert/strict';
import { test } from 'node:test';
import { planLayout } from '../../ui/layout.js';

const used = (p: ReturnType<typeof planLayout>) => p.headerLines + p.chartRows * p.chartHeight + 3 + p.panelHeight;

test('every size from tiny to huge fits in rows - 1 lines', () => {
  for (let columns = 20; columns <= 240; columns += 7) {
    for (let rows = 5; rows <= 80; rows++) {
      for (const pref of ['auto', 'compact', 'full'] as const) {
        const p = planLayout(columns, rows, pref);
        if (p.kind === 'too-small') continue;
        assert.equal(used(p), rows - 1, `${columns}x${rows} ${pref}`);
        assert.ok(p.panelHeight >= 3, `${columns}x${rows} ${pref} panel ${p.panelHeight}`);
      }
    }
  }
});

test('80x24: two-line header, a 2x4 chart grid, 14 panel lines', () => {
  assert.deepEqual(planLayout(80, 24), {
    kind: 'dashboard',
    columns: 80,
    height: 23,
    headerLines: 2,
    chartCols: 2,
    chartRows: 4,
    chartHeight: 1,
    panelHeight: 14,
  });
});

test('small screens go compact, tiny ones ask for more room', () => {
  assert.equal(planLayout(60, 16).headerLines, 1);
  assert.equal(planLayout(30, 24).kind, 'too-small');
  assert.equal(planLayout(80, 10).kind, 'too-small');
  assert.equal(planLayout(200, 50).chartHeight, 3);
});
