/**
 * A tiny concurrency pool: runs `tasks` with at most `limit` in flight, starting them in list order.
 * Results come back in list order; `onDone(result, index)` fires as each task finishes (so a caller can
 * save progress in completion order). A task that rejects rejects the pool once the others have settled.
 */
export async function runPool<T>(tasks: readonly (() => Promise<T>)[], limit: number, onDone?: (result: T, index: number) => void): Promise<T[]> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`runPool: limit must be a whole number >= 1, got ${limit}`);
  const results = new Array<T>(tasks.length);
  let next = 0;
  // Each worker takes the next unstarted task until none is left; `limit` workers = `limit` in flight.
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i]();
      onDone?.(results[i], i);
    }
  };
  const settled = await Promise.allSettled(Array.from({ length: Math.min(limit, tasks.length) }, worker));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) throw failed.reason;
  return results;
}
