/**
 * The last backtest's summary, kept in a file (`policy backtest --save`) that the approval API reads for the inbox's
 * Policies page. A file beside the API's other local state (the data directory) is durable without a worker, a
 * workflow type or a history to replay; written to FILE.partial and renamed, so a reader never sees half of one.
 */
import { open, rename, writeFile } from 'node:fs/promises';
import type { BacktestSummary } from './tally';

/** What `--save` writes. */
export interface SavedBacktest {
  /** When the backtest finished, ISO 8601. */
  savedAt: string;
  /** The candidate's files as given on the command line. */
  candidateFiles: string[];
  /** The `--fail-on` thresholds it crossed (empty when none was given or none crossed). */
  failedThresholds: string[];
  summary: BacktestSummary;
}

/** The file name of the saved backtest in the data directory (`DURABLE_GUARD_DATA_DIR`). */
export const LAST_BACKTEST_FILE = 'last-backtest.json';

/** A saved summary larger than this is refused: a summary keeps a bounded number of examples and counters. */
export const MAX_SAVED_BACKTEST_BYTES = 1 << 20;

/** Writes the summary to `file` (through `file.partial`, renamed once complete). */
export async function saveBacktest(file: string, saved: SavedBacktest): Promise<void> {
  const partial = `${file}.partial`;
  await writeFile(partial, `${JSON.stringify(saved, null, 2)}\n`, { mode: 0o600 });
  await rename(partial, file);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Whether `value` has the shape of a {@link SavedBacktest} (the fields the Policies page shows). */
export function isSavedBacktest(value: unknown): value is SavedBacktest {
  if (!isRecord(value) || typeof value.savedAt !== 'string' || !isRecord(value.summary)) return false;
  const s = value.summary;
  return (
    Array.isArray(value.candidateFiles) &&
    value.candidateFiles.every((f) => typeof f === 'string') &&
    Array.isArray(value.failedThresholds) &&
    typeof s.candidateVersion === 'string' &&
    typeof s.query === 'string' &&
    typeof s.decided === 'number' &&
    typeof s.changed === 'number' &&
    isRecord(s.matrix) &&
    isRecord(s.sharp) &&
    isRecord(s.skipped)
  );
}

/**
 * Reads the saved backtest: `undefined` when there is none yet.
 * @throws Error naming the file when it is too large, not JSON, or not a saved backtest
 */
export async function readSavedBacktest(file: string): Promise<SavedBacktest | undefined> {
  let handle;
  try {
    handle = await open(file, 'r');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const buffer = Buffer.alloc(MAX_SAVED_BACKTEST_BYTES + 1);
    const { bytesRead } = await handle.read(buffer, 0, buffer.length, 0);
    if (bytesRead > MAX_SAVED_BACKTEST_BYTES) {
      throw new Error(`${file} is larger than ${MAX_SAVED_BACKTEST_BYTES} bytes: not a saved backtest summary`);
    }
    let value: unknown;
    try {
      value = JSON.parse(buffer.subarray(0, bytesRead).toString('utf8'));
    } catch (err) {
      throw new Error(`${file} is not valid JSON (${(err as Error).message}): run policy backtest --save again`);
    }
    if (!isSavedBacktest(value)) {
      throw new Error(`${file} is not a saved backtest (written by policy backtest --save): run it again`);
    }
    return value;
  } finally {
    await handle.close();
  }
}
