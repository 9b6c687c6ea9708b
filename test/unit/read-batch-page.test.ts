import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readBatchPage } from '../../src/activities/read-batch-page';

const dir = mkdtempSync(join(tmpdir(), 'read-batch-page-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};
const line = (i: number) => JSON.stringify({ tool: 'lookup_order', input: { orderId: i } });

test('pages by lines from a byte offset until the end, skipping blank lines', async () => {
  const path = file('a.jsonl', `${line(0)}\n\n${line(1)}\n${line(2)}`);
  const first = await readBatchPage({ path, offset: 0, limit: 2 });
  expect(first.lines.map((l) => l.item?.input.orderId)).toEqual([0, 1]);
  expect(first.eof).toBe(false);
  const second = await readBatchPage({ path, offset: first.nextOffset, limit: 2 });
  expect(second.lines.map((l) => l.item?.input.orderId)).toEqual([2]);
  expect(second).toMatchObject({ eof: true, nextOffset: Buffer.byteLength(`${line(0)}\n\n${line(1)}\n${line(2)}`) });
  expect(second.lines[0]?.end).toBe(second.nextOffset);
});

test('caps a page by bytes and never splits a line', async () => {
  const path = file('b.jsonl', `${line(0)}\n${line(1)}\n${line(2)}\n`);
  const page = await readBatchPage({ path, offset: 0, limit: 100, maxBytes: line(0).length * 2 + 5 });
  expect(page.lines).toHaveLength(2);
  expect(page.nextOffset).toBe(2 * (line(0).length + 1));
});

test.each([
  ['not json', 'invalid JSON'],
  ['[1]', 'not a JSON object'],
  ['{"input":{}}', '"tool" must be a non-empty string'],
  ['{"tool":"x","input":[]}', '"input" must be an object'],
  ['{"tool":"x","input":{},"callId":3}', '"callId" must be a string'],
])('reports a bad line %s without stopping', async (text, problem) => {
  const path = file(`bad-${problem.length}.jsonl`, `${text}\n${line(1)}\n`);
  const page = await readBatchPage({ path, offset: 0, limit: 10 });
  expect(page.lines[0]?.error).toContain(problem);
  expect(page.lines[0]?.error).toContain('byte 0');
  expect(page.lines[1]?.item?.tool).toBe('lookup_order');
});

test('a line longer than the page is a permanent error naming the fix', async () => {
  const path = file('long.jsonl', `${line(0)}\n`);
  await expect(readBatchPage({ path, offset: 0, limit: 10, maxBytes: 10 })).rejects.toMatchObject({
    type: 'GUARD_BATCH_LINE_TOO_LONG',
    nonRetryable: true,
  });
});

test('a missing file names the path and that the worker must be able to read it', async () => {
  await expect(readBatchPage({ path: join(dir, 'nope.jsonl'), offset: 0, limit: 1 })).rejects.toMatchObject({
    type: 'GUARD_BATCH_UNREADABLE',
    message: expect.stringContaining('give a path the worker can read'),
  });
});
