/**
 * Short, fixed-width friendly formats for metric values and durations: one definition for the plain
 * progress lines (trainer/print.ts) and the dashboard (ui/format.ts re-exports these).
 */

/** A metric value in at most ~7 characters: 0.531, 12.3, 1.2k, 3.4e-4; `missing` for null/undefined. */
export function formatMetric(v: number | null | undefined, missing = '–'): string {
  if (v === null || v === undefined) return missing;
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'inf' : '-inf';
  const a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6) return `${(v / 1e6).toFixed(1)}M`;
  if (a >= 1e4) return `${(v / 1e3).toFixed(1)}k`;
  if (a >= 100) return v.toFixed(0);
  if (a >= 10) return v.toFixed(1);
  if (a >= 0.01) return v.toFixed(3);
  return v.toExponential(1);
}

/** Seconds as '3.4s', '12m 05s', '2h 10m', '3d 4h'; `missing` when unknown or negative. */
export function formatDuration(s: number | null | undefined, missing = '–'): string {
  if (s === null || s === undefined || !Number.isFinite(s) || s < 0) return missing;
  if (s < 10) return `${s.toFixed(1)}s`;
  if (s < 60) return `${Math.round(s)}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(Math.round(s % 60)).padStart(2, '0')}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, '0')}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** Megabytes as '512MB' or '3.2GB'; '–' when unknown. */
export function formatMemory(mb: number | null | undefined): string {
  if (mb === null || mb === undefined || !Number.isFinite(mb)) return '–';
  return mb >= 1024 ? `${(mb / 1024).toFixed(1)}GB` : `${Math.round(mb)}MB`;
}
