/** Reading many rows at once while yielding in their order, with a bounded window in memory. */
import pLimit from 'p-limit';

/**
 * Maps each row of `rows` with `read`, at most `concurrency` reads at once, yielding the results in the rows'
 * order. At most twice `concurrency` reads are started and not yet yielded, so memory holds a window of rows
 * whatever their number. A rejected read rejects the iteration at its place in the order.
 */
export async function* orderedReads<R, T>(
  rows: AsyncIterable<R>,
  read: (row: R) => Promise<T>,
  { concurrency, limit }: { concurrency: number; limit?: number },
): AsyncGenerator<T> {
  const run = pLimit(concurrency);
  const window: Promise<T>[] = [];
  // A read that rejects while earlier ones are awaited is not unhandled: it rejects when its turn comes.
  const started = (row: R) => {
    const pending = run(() => read(row));
    pending.catch(() => undefined);
    return pending;
  };
  let listed = 0;
  try {
    for await (const row of rows) {
      if (limit !== undefined && listed >= limit) break;
      listed++;
      window.push(started(row));
      if (window.length >= concurrency * 2) yield await (window.shift() as Promise<T>);
    }
    while (window.length > 0) yield await (window.shift() as Promise<T>);
  } finally {
    run.clearQueue();
  }
}
