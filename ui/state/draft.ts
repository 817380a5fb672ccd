/**
 * A writable copy of a UiState for one reducer call (or one batch of coalesced actions).
 * The top-level object and `history` are copied up front; each ring is cloned the first time it is
 * written, so a batch of a thousand events copies each ring at most once and earlier states are never
 * mutated (React may keep, compare or re-run them).
 */
import { Ring } from './ring.js';
import type { History, Notice, UiState } from './types.js';

type RingItem<K extends keyof History> = History[K] extends Ring<infer T> ? T : never;

export class Draft {
  readonly s: UiState;
  private readonly owned = new Set<keyof History>();

  constructor(base: UiState) {
    this.s = { ...base, history: { ...base.history } };
  }

  /** The ring `k`, safe to mutate in this draft. */
  ring<K extends keyof History>(k: K): Ring<RingItem<K>> {
    if (!this.owned.has(k)) {
      (this.s.history as Record<keyof History, unknown>)[k] = this.s.history[k].clone();
      this.owned.add(k);
    }
    return this.s.history[k] as unknown as Ring<RingItem<K>>;
  }

  push<K extends keyof History>(k: K, item: RingItem<K>): void {
    this.ring(k).push(item);
  }

  /** Replace ring `k` with an empty one of the same capacity. */
  clear<K extends keyof History>(k: K): void {
    (this.s.history as Record<keyof History, unknown>)[k] = new Ring(this.s.history[k].capacity);
    this.owned.add(k);
  }

  notice(at: number, level: Notice['level'], source: Notice['source'], text: string): void {
    this.push('notices', { at, level, source, text });
  }
}
