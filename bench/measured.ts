/** Time and peak memory of one async step of a benchmark, sampled every 20 ms in this process. */

/** What {@link measured} found: the value, seconds taken, peak RSS and heap, and the heap before the step. */
export interface Measured<T> {
  value: T;
  seconds: number;
  peakRssMb: number;
  peakHeapMb: number;
  /** heapUsed when the step started (after a full GC when node runs with --expose-gc). */
  baseHeapMb: number;
}

/** Runs `fn`, sampling memory every 20 ms. */
export async function measured<T>(fn: () => Promise<T>): Promise<Measured<T>> {
  (globalThis as { gc?: () => void }).gc?.();
  const base = process.memoryUsage();
  let peakRss = base.rss;
  let peakHeap = base.heapUsed;
  const timer = setInterval(() => {
    const m = process.memoryUsage();
    peakRss = Math.max(peakRss, m.rss);
    peakHeap = Math.max(peakHeap, m.heapUsed);
  }, 20);
  const started = performance.now();
  try {
    const value = await fn();
    return {
      value,
      seconds: (performance.now() - started) / 1000,
      peakRssMb: peakRss / 2 ** 20,
      peakHeapMb: peakHeap / 2 ** 20,
      baseHeapMb: base.heapUsed / 2 ** 20,
    };
  } finally {
    clearInterval(timer);
  }
}
