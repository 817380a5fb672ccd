/**
 * A shared WebAssembly memory handed out as typed-array views: packed weights, the KV cache,
 * activations and the helper threads' control block all live in one, so the decode kernels
 * (decode-kernels.ts) and helper threads (decode-threads.ts) reach them by byte offset (`byteOffset`).
 *
 * An arena is reused from one generate() call to the next (decode-threads.ts keeps it): reset() frees
 * everything allocated since pin(), and reused bytes are zeroed again when handed out, so every view
 * starts at 0 as from a fresh memory. It grows on demand and never shrinks; growing a shared memory
 * never moves it, so earlier views stay valid.
 */
const PAGE = 65536;
const MAX_PAGES = 65536; // 4 GiB: all a 32-bit WebAssembly memory can address

export class DecodeArena {
  readonly memory = new WebAssembly.Memory({ initial: 1, maximum: MAX_PAGES, shared: true });
  private top = 0;
  /** Start of what reset() frees. */
  private floor = 0;
  /** Bytes below this were handed out before and may hold old data. */
  private dirty = 0;

  /** n zeroed floats, 16-byte aligned (kernels read whole f32x4s). */
  f32(n: number): Float32Array {
    const offset = this.take(n);
    return new Float32Array(this.memory.buffer, offset, n); // the buffer after take() grew the memory
  }

  /** n zeroed int32s, 16-byte aligned. */
  i32(n: number): Int32Array {
    const offset = this.take(n);
    return new Int32Array(this.memory.buffer, offset, n);
  }

  /** Keep everything allocated so far across reset(). */
  pin(): void {
    this.floor = this.top;
  }

  /** Free everything allocated since pin(); views into it must no longer be used. */
  reset(): void {
    this.dirty = Math.max(this.dirty, this.top);
    this.top = this.floor;
  }

  /** Byte offset of a fresh, zeroed region of n 4-byte elements; grows the memory if needed. */
  private take(n: number): number {
    const offset = this.top;
    const end = offset + Math.ceil(n / 4) * 16;
    const have = this.memory.buffer.byteLength;
    if (end > have) {
      const pages = Math.ceil((end - have) / PAGE);
      if (have / PAGE + pages > MAX_PAGES) {
        throw new Error(
          `generate: decoding needs ${(end / 2 ** 30).toFixed(1)} GiB of working memory, over the 4 GiB limit; generate fewer rows or tokens at once`,
        );
      }
      this.memory.grow(pages);
    }
    if (offset < this.dirty) new Uint8Array(this.memory.buffer, offset, Math.min(end, this.dirty) - offset).fill(0);
    this.top = end;
    return offset;
  }
}
