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
  ['{"tool":"x y","input":{}}', 'tool must be a name'],
  ['{"tool":"x","input":{},"callId":"a b"}', 'has the character " "'],
])('reports a bad line %s without stopping', async (text, problem) => {
  const path = file(`bad-${problem.length}.jsonl`, `${text}\n${line(1)}\n`);
  const page = await readBatchPage({ path, offset: 0, limit: 10 });
  expect(page.lines[0]?.error).toContain(problem);
  expect(page.lines[0]?.error).toContain('byte 0');
  expect(page.lines[1]?.item?.tool).toBe('lookup_order');
});

test('a line longer than the page is read alone; one over the line limit is skipped as invalid', async () => {
  const long = JSON.stringify({ tool: 'lookup_order', input: { note: 'x'.repeat(200) } });
  const huge = JSON.stringify({ tool: 'lookup_order', input: { note: 'y'.repeat(5000) } });
  const path = file('long.jsonl', `${long}\n${huge}\n${line(2)}\n${huge}`);
  const read = (offset: number) => readBatchPage({ path, offset, limit: 10, maxBytes: 100, maxLineBytes: 1000 });
  const first = await read(0);
  expect(first.lines).toHaveLength(1);
  expect(first.lines[0]?.item?.input.note).toHaveLength(200);
  expect(first.nextOffset).toBe(long.length + 1);
  const second = await read(first.nextOffset);
  expect(second.lines).toEqual([
    {
      error: `byte ${long.length + 1}: the line is ${huge.length + 1} bytes or more, over the limit batchLineBytes (1000): keep each item smaller`,
      end: long.length + huge.length + 2,
    },
  ]);
  const third = await read(second.nextOffset);
  expect(third.lines.map((l) => l.item?.input.orderId)).toEqual([2]);
  const last = await read(third.nextOffset);
  expect(last.lines[0]?.error).toContain('over the limit batchLineBytes');
  expect(last).toMatchObject({ eof: true, nextOffset: Buffer.byteLength(`${long}\n${huge}\n${line(2)}\n${huge}`) });
});

test('a line over an input limit is an invalid line naming the limit', async () => {
  const deep = `{"tool":"t","input":${'{"a":'.repeat(50_000)}{}${'}'.repeat(50_000)}}`;
  const path = file('deep.jsonl', `${deep}\n${line(1)}\n`);
  const page = await readBatchPage({ path, offset: 0, limit: 10 });
  expect(page.lines[0]?.error).toMatch(
    /^byte 0: input of tool 't' is nested more than 64 levels deep .*limit input\.maxDepth\)$/,
  );
  const next = await readBatchPage({ path, offset: page.nextOffset, limit: 10 });
  expect(next.lines[0]?.item?.tool).toBe('lookup_order');
  const wide = JSON.stringify({ tool: 't', input: {}, context: { note: 'v'.repeat(9000) } });
  const widePath = file('wide.jsonl', `${wide}\n`);
  const widePage = await readBatchPage({ path: widePath, offset: 0, limit: 10 });
  expect(widePage.lines[0]?.error).toContain('limit context.maxStringLength');
});

test('a missing file names the path and that the worker must be able to read it', async () => {
  await expect(readBatchPage({ path: join(dir, 'nope.jsonl'), offset: 0, limit: 1 })).rejects.toMatchObject({
    type: 'GUARD_BATCH_UNREADABLE',
    message: expect.stringContaining('give a path the worker can read'),
  });
});
