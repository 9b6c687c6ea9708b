import { orderedReads } from '../../../src/recorded/ordered-reads';

async function* rows(n: number, listed: number[]): AsyncGenerator<number> {
  for (let i = 0; i < n; i++) {
    listed.push(i);
    yield i;
  }
}

const collect = async <T>(it: AsyncIterable<T>) => {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
};

test('yields in row order whatever order the reads finish in, never more than the concurrency at once', async () => {
  let inFlight = 0;
  let peak = 0;
  const read = async (i: number) => {
    inFlight++;
    peak = Math.max(peak, inFlight);
    await new Promise((r) => setTimeout(r, (i * 7) % 5));
    inFlight--;
    return i * 10;
  };
  const out = await collect(orderedReads(rows(50, []), read, { concurrency: 4 }));
  expect(out).toEqual(Array.from({ length: 50 }, (_, i) => i * 10));
  expect(peak).toBeLessThanOrEqual(4);
  expect(peak).toBeGreaterThan(1);
});

test('lists at most twice the concurrency ahead of what was yielded', async () => {
  const listed: number[] = [];
  const it = orderedReads(rows(1000, listed), async (i) => i, { concurrency: 3 });
  const first = await it.next();
  expect(first.value).toBe(0);
  expect(listed.length).toBeLessThanOrEqual(7);
  await it.return(undefined);
});

test('stops at the limit', async () => {
  const listed: number[] = [];
  expect(await collect(orderedReads(rows(100, listed), async (i) => i, { concurrency: 2, limit: 5 }))).toEqual([
    0, 1, 2, 3, 4,
  ]);
});

test('a rejected read rejects at its turn, after the rows before it', async () => {
  const seen: number[] = [];
  const read = async (i: number) => {
    if (i === 3) throw new Error('row 3 unreadable');
    await new Promise((r) => setTimeout(r, 5));
    return i;
  };
  await expect(
    (async () => {
      for await (const x of orderedReads(rows(10, []), read, { concurrency: 4 })) seen.push(x);
    })(),
  ).rejects.toThrow('row 3 unreadable');
  expect(seen).toEqual([0, 1, 2]);
});
