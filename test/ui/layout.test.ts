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
  assert.equal(planLayout(200, 50).chartHeight, 6);
});

test('120x40: taller charts take the spare rows, the panel keeps 18 lines', () => {
  const p = planLayout(120, 40);
  assert.deepEqual([p.chartRows, p.chartHeight, p.panelHeight], [4, 4, 18]);
  assert.equal(used(p), 39);
});

test('every size from 40x12 to 200x60 fills rows - 1 lines exactly', () => {
  for (let columns = 40; columns <= 200; columns++) {
    for (let rows = 12; rows <= 60; rows++) {
      const p = planLayout(columns, rows);
      assert.equal(used(p), rows - 1, `${columns}x${rows}`);
      assert.ok(p.panelHeight >= 3, `${columns}x${rows} panel ${p.panelHeight}`);
    }
  }
});
