/** A progress bar on stderr, shown only when stderr is a terminal (never in CI logs or pipes). */
import { Presets, SingleBar } from 'cli-progress';

/**
 * Runs `run` with a `tick(done)` that moves a bar towards `total`; without a TTY on stderr, `tick` does nothing.
 * @param unit - what is counted, e.g. `calls backtested`
 */
export async function withProgress<T>(
  total: Promise<number>,
  unit: string,
  run: (tick: (done: number) => void) => Promise<T>,
): Promise<T> {
  if (!process.stderr.isTTY) return run(() => undefined);
  const bar = new SingleBar(
    { format: `{bar} {value}/{total} ${unit}`, hideCursor: true, stream: process.stderr },
    Presets.shades_classic,
  );
  bar.start(await total.catch(() => 0), 0);
  try {
    return await run((done) => bar.update(done));
  } finally {
    bar.stop();
  }
}
