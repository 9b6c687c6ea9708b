/** Reads one page of a JSON Lines batch file from a byte offset, so no payload nears Temporal's 2 MB limit. */
import { open } from 'node:fs/promises';
import { ApplicationFailure } from '@temporalio/activity';
import type { BatchItem } from '../workflows/definitions';

export interface ReadBatchPageInput {
  path: string;
  /** Byte offset of the first line to read. */
  offset: number;
  /** Most lines to return. */
  limit: number;
  /** Most bytes to read (bounds the payload). @default 256 KiB */
  maxBytes?: number;
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

/** Why a parsed line is not a batch item, or undefined when it is one. */
export function itemProblem(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'not a JSON object';
  const v = value as Record<string, unknown>;
  if (typeof v.tool !== 'string' || v.tool === '') return '"tool" must be a non-empty string';
  if (typeof v.input !== 'object' || v.input === null || Array.isArray(v.input)) return '"input" must be an object';
  if (v.context !== undefined && (typeof v.context !== 'object' || v.context === null || Array.isArray(v.context)))
    return '"context" must be an object';
  if (v.callId !== undefined && typeof v.callId !== 'string') return '"callId" must be a string';
  return undefined;
}

function parseLine(text: string, start: number, end: number): BatchLine {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    return { error: `byte ${start}: invalid JSON (${(err as Error).message})`, end };
  }
  const problem = itemProblem(value);
  return problem ? { error: `byte ${start}: ${problem}`, end } : { item: value as BatchItem, end };
}

/** Reads up to `limit` complete lines starting at `offset`. */
export async function readBatchPage({
  path,
  offset,
  limit,
  maxBytes = DEFAULT_PAGE_BYTES,
}: ReadBatchPageInput): Promise<BatchPage> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (err) {
    throw ApplicationFailure.nonRetryable(
      `cannot read batch file ${path} on this worker: ${(err as Error).message} (give a path the worker can read)`,
      'GUARD_BATCH_UNREADABLE',
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
    if (pos === 0 && bytesRead > 0) {
      throw ApplicationFailure.nonRetryable(
        `batch file ${path}: the line at byte ${offset} is longer than ${maxBytes} bytes: keep each item smaller`,
        'GUARD_BATCH_LINE_TOO_LONG',
      );
    }
    const nextOffset = offset + pos;
    return { lines, nextOffset, eof: nextOffset >= size };
  } finally {
    await file.close();
  }
}
