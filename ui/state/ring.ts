/**
 * Fixed-capacity ring buffer: O(1) push that overwrites the oldest item once full, so histories kept
 * for a long run stay at `capacity` items however many steps go by.
 * It is mutable; the reducer copies a ring (`clone`, O(capacity)) at most once per action or batch
 * before pushing, so earlier states stay intact (see ui/state/draft.ts).
 */
export class Ring<T> {
  private readonly items: (T | undefined)[];
  /** Index the next push writes to. */
  private head = 0;
  private count = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new Error(`Ring capacity must be a positive integer, got ${capacity}`);
    }
    this.items = new Array<T | undefined>(capacity);
  }

  static from<T>(capacity: number, items: Iterable<T>): Ring<T> {
    const ring = new Ring<T>(capacity);
    for (const item of items) ring.push(item);
    return ring;
  }

  get size(): number {
    return this.count;
  }

  push(item: T): void {
    this.items[this.head] = item;
    this.head = (this.head + 1) % this.capacity;
    if (this.count < this.capacity) this.count++;
  }

  /** Item `i` counted from the oldest (0) to the newest (size - 1); undefined outside. */
  at(i: number): T | undefined {
    if (i < 0 || i >= this.count) return undefined;
    const start = (this.head - this.count + this.capacity) % this.capacity;
    return this.items[(start + i) % this.capacity];
  }

  /** The newest item, or undefined when empty. */
  last(): T | undefined {
    return this.at(this.count - 1);
  }

  /** Replace the newest item (used to merge a second message about the same step). */
  replaceLast(item: T): void {
    if (this.count === 0) throw new Error('Ring.replaceLast on an empty ring');
    this.items[(this.head - 1 + this.capacity) % this.capacity] = item;
  }

  /** Oldest first. */
  toArray(): T[] {
    const out = new Array<T>(this.count);
    for (let i = 0; i < this.count; i++) out[i] = this.at(i) as T;
    return out;
  }

  clone(): Ring<T> {
    const copy = new Ring<T>(this.capacity);
    for (let i = 0; i < this.capacity; i++) copy.items[i] = this.items[i];
    copy.head = this.head;
    copy.count = this.count;
    return copy;
  }
}
