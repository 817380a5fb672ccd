/**
 * `thinktune watch RUN_A RUN_B`: the second run, whose step metrics are drawn beside the first's
 * (GRPO vs ThinkTuning is the comparison everyone makes). Only its metrics.jsonl is read, polled
 * like ui/sources/files.ts polls the first run; a file cut back (a resumed run) starts over.
 *
 * The dashboard's state is fed by one EventSource (the first run), so the compared run reaches the
 * charts and the header through this small store instead: `showComparison(run)` once at start, and
 * `useComparison()` in the components that draw it (`comparedRun()` for the plain lines, with no terminal).
 */
import { useSyncExternalStore } from 'react';
import { CAPACITY } from '../state/initial.js';
import type { StepRow } from '../state/types.js';
import { checkRunFolder } from './files.js';
import { JsonlTail } from './jsonl-tail.js';

/** What the charts need of the compared run: its name and its steps, oldest first (at most CAPACITY.steps). */
export interface ComparedRun {
  name: string;
  runDir: string;
  rows: readonly StepRow[];
}

export interface CompareRunSource {
  /** The run as last read; the same object until a poll reads new lines. */
  current(): ComparedRun;
  /** `cb` is called after a poll changed `current()`. */
  subscribe(cb: () => void): () => void;
  /** Read what was appended since the last poll now (the timer does this every pollMs). */
  poll(): void;
  close(): void;
}

const isStep = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0;

/** Follow `dir`'s metrics.jsonl; a missing folder or one without config.json is a RunDirError, as for the first run. */
export function followCompareRun(dir: string, options: { pollMs?: number } = {}): CompareRunSource {
  const run = checkRunFolder(dir);
  const listeners = new Set<() => void>();
  let tail = new JsonlTail(run.file('metrics.jsonl'), 'metrics.jsonl');
  let snapshot: ComparedRun = { name: run.name, runDir: run.path, rows: [] };

  const poll = () => {
    let read: ReturnType<JsonlTail['read']>;
    try {
      read = tail.read();
    } catch {
      return; // unreadable for now (a remounted disk): the next poll tries again
    }
    if (read.reset) {
      tail = new JsonlTail(run.file('metrics.jsonl'), 'metrics.jsonl');
      snapshot = { ...snapshot, rows: [] };
      return poll();
    }
    const added: StepRow[] = [];
    for (const rec of read.records) {
      const m = rec as Record<string, unknown> | null;
      if (typeof m !== 'object' || m === null || !isStep(m.step)) continue;
      const metrics: Record<string, number | null> = {};
      for (const [k, v] of Object.entries(m)) if (typeof v === 'number' || v === null) metrics[k] = v;
      added.push({ step: m.step, metrics, at: Date.now() });
    }
    if (added.length === 0) return;
    snapshot = { ...snapshot, rows: [...snapshot.rows, ...added].slice(-CAPACITY.steps) };
    for (const cb of listeners) cb();
  };

  poll();
  const timer = setInterval(poll, options.pollMs ?? 1000);
  timer.unref();
  return {
    current: () => snapshot,
    subscribe(cb) {
      listeners.add(cb);
      return () => listeners.delete(cb);
    },
    poll,
    close: () => clearInterval(timer),
  };
}

// The one compared run of this process (null: none), and who is drawing it.
let shown: CompareRunSource | null = null;
let unfollow: (() => void) | null = null;
const watchers = new Set<() => void>();
const notify = () => {
  for (const cb of watchers) cb();
};

/** Draw `source` as the second run in the charts and header (null: stop). */
export function showComparison(source: CompareRunSource | null): void {
  unfollow?.();
  shown = source;
  unfollow = source ? source.subscribe(notify) : null;
  notify();
}

const subscribe = (cb: () => void) => {
  watchers.add(cb);
  return () => watchers.delete(cb);
};
const snapshotOf = () => shown?.current() ?? null;

/** The compared run as last read, outside React (the plain lines of ui/plain.ts); null when only one run is watched. */
export const comparedRun = (): ComparedRun | null => snapshotOf();

/** The compared run, re-rendering when it grows; null when only one run is watched. */
export function useComparison(): ComparedRun | null {
  return useSyncExternalStore(subscribe, snapshotOf, snapshotOf);
}
