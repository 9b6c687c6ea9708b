/** Reads one page of a JSON Lines batch file from a byte offset, so no payload nears Temporal's 2 MB limit. */
import { open } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/activity';
import { batchItemIssue } from '../workflows/call-validation';
import type { BatchItem } from '../workflows/definitions';
import { INPUT_LIMITS } from '../workflows/input-limits';
import type { GuardErrorCode } from '../workflows/error-codes';

export interface ReadBatchPageInput {
  path: string;
  /** Byte offset of the first line to read. */
  offset: number;
  /** Most lines to return. */
  limit: number;
  /** Most bytes to read (bounds the payload); a single longer line is read alone. @default 256 KiB */
  maxBytes?: number;
  /** Longest line read at all; a longer one is skipped as an invalid line. @default INPUT_LIMITS.batchLineBytes */
  maxLineBytes?: number;
}

/** One non-blank line: an item, or why the line is not one. */
export interface BatchLine {
  item?: BatchItem;
  error?: string;
  /** Byte offset just after this line: the cursor once it has started. */
  end: number;
}

export interface BatchPage {
  lines: BatchLine[];
  /** Byte offset after the last line returned (blank lines included). */
  nextOffset: number;
  /** Nothing is left after nextOffset. */
  eof: boolean;
}

export const DEFAULT_PAGE_BYTES = 256 * 1024;
const SCAN_BYTES = 64 * 1024;

type FileHandle = Awaited<ReturnType<typeof open>>;

/** Offset just after the next newline at or after `from` (or the file's size), read in small chunks. */
async function endOfLine(file: FileHandle, from: number, size: number): Promise<number> {
  const chunk = Buffer.alloc(SCAN_BYTES);
  for (let at = from; at < size;) {
    const { bytesRead } = await file.read(chunk, 0, chunk.length, at);
    if (bytesRead === 0) break;
    const nl = chunk.subarray(0, bytesRead).indexOf(10);
    if (nl !== -1) return at + nl + 1;
    at += bytesRead;
  }
  return size;
}

/**
 * The page of one line longer than a page: read alone when within `maxLineBytes`, else skipped (never held in
 * memory) and reported as an invalid line.
 */
async function longLinePage(file: FileHandle, offset: number, size: number, maxLineBytes: number): Promise<BatchPage> {
  const buf = Buffer.alloc(Math.min(maxLineBytes + 1, size - offset));
  const { bytesRead } = await file.read(buf, 0, buf.length, offset);
  let nl = buf.subarray(0, bytesRead).indexOf(10);
  if (nl === -1 && offset + bytesRead >= size && bytesRead <= maxLineBytes) nl = bytesRead;
  if (nl !== -1) {
    const end = Math.min(offset + nl + 1, size);
    return { lines: [parseLine(buf.toString('utf8', 0, nl).trim(), offset, end)], nextOffset: end, eof: end >= size };
  }
  const end = await endOfLine(file, offset + bytesRead, size);
  const error =
    `byte ${offset}: the line is ${end - offset} bytes or more, over the limit batchLineBytes (${maxLineBytes}): ` +
    'keep each item smaller';
  return { lines: [{ error, end }], nextOffset: end, eof: end >= size };
}

function parseLine(text: string, start: number, end: number): BatchLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `byte ${start}: invalid JSON (${(err as Error).message})`, end };
  }
  const issue = batchItemIssue(value);
  return issue ? { error: `byte ${start}: ${issue.message}`, end } : { item: value as BatchItem, end };
}

/** Reads up to `limit` complete lines starting at `offset`. */
export async function readBatchPage({
  path,
  offset,
  limit,
  maxBytes = DEFAULT_PAGE_BYTES,
  maxLineBytes = INPUT_LIMITS.batchLineBytes,
}: ReadBatchPageInput): Promise<BatchPage> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `cannot read batch file ${path} on this worker: ${(err as Error).message} (give a path the worker can read)`,
      'GUARD_BATCH_UNREADABLE' satisfies GuardErrorCode,
    );
  }
  try {
    const size = (await file.stat()).size;
    const buf = Buffer.alloc(Math.min(maxBytes, Math.max(0, size - offset)));
    const { bytesRead } = await file.read(buf, 0, buf.length, offset);
    const lastChunk = offset + bytesRead >= size;
    const lines: BatchLine[] = [];
    let pos = 0;
    while (lines.length < limit && pos < bytesRead) {
      let nl = buf.indexOf(10, pos);
      if (nl === -1 || nl >= bytesRead) {
        if (!lastChunk) break;
        nl = bytesRead;
      }
      const text = buf.toString('utf8', pos, nl).trim();
      const end = offset + Math.min(nl + 1, bytesRead);
      if (text !== '') lines.push(parseLine(text, offset + pos, end));
      pos = Math.min(nl + 1, bytesRead);
    }
    if (pos === 0 && bytesRead > 0) return await longLinePage(file, offset, size, maxLineBytes);
    const nextOffset = offset + pos;
    return { lines, nextOffset, eof: nextOffset >= size };
  } finally {
    await file.close();
  }
}
