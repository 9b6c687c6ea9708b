import { GrantDirectory, type KnownGrant } from '../../../src/approvals/grant-directory';

const grant = (id: string, startedAt: number, tool = 'process_refund', rules = ['big-refund']): KnownGrant => ({
  id,
  tool,
  rules,
  startedAt,
});

function directory(live: KnownGrant[], ttlMs = 1_000, max?: number) {
  const clock = { now: 0 };
  let lists = 0;
  const dir = new GrantDirectory({
    list: async (limit) => {
      lists += 1;
      return live.slice(0, limit);
    },
    ttlMs,
    ...(max !== undefined ? { max } : {}),
    now: () => clock.now,
  });
  return { dir, clock, live, lists: () => lists };
}

test('with no grant, lookups within the TTL share one listing', async () => {
  const { dir, clock, lists } = directory([]);
  expect(await dir.candidates('process_refund', ['big-refund'])).toEqual([]);
  clock.now = 999;
  await Promise.all(Array.from({ length: 50 }, () => dir.candidates('process_refund', ['big-refund'])));
  expect(lists()).toBe(1);
  clock.now = 1_001;
  await dir.candidates('process_refund', ['big-refund']);
  expect(lists()).toBe(2);
});

test('concurrent lookups on a stale directory wait for one listing', async () => {
  const { dir, lists } = directory([grant('g1', 5)]);
  const all = await Promise.all(Array.from({ length: 20 }, () => dir.candidates('process_refund', ['big-refund'])));
  expect(all.every((ids) => ids?.[0] === 'g1')).toBe(true);
  expect(lists()).toBe(1);
});

test('a grant listed after a refresh is seen by every lookup more than the TTL later (the bound)', async () => {
  const { dir, clock, live } = directory([]);
  await dir.candidates('process_refund', ['big-refund']);
  live.push(grant('g1', 10));
  clock.now = 500;
  expect(await dir.candidates('process_refund', ['big-refund'])).toEqual([]);
  clock.now = 1_001;
  expect(await dir.candidates('process_refund', ['big-refund'])).toEqual(['g1']);
});

test('a grant noted by this worker is a candidate at once, before any listing has it', async () => {
  const { dir } = directory([]);
  await dir.candidates('process_refund', ['big-refund']);
  dir.note(grant('g2', 20));
  expect(await dir.candidates('process_refund', ['big-refund'])).toEqual(['g2']);
});

test('candidates match tool and any rule, oldest first; a forgotten grant is dropped', async () => {
  const { dir } = directory([
    grant('new', 30),
    grant('old', 10, 'process_refund', ['other', 'big-refund']),
    grant('door', 5, 'open_door', ['door']),
  ]);
  expect(await dir.candidates('process_refund', ['big-refund'])).toEqual(['old', 'new']);
  expect(await dir.candidates('process_refund', ['nothing'])).toEqual([]);
  dir.forget('old');
  expect(await dir.candidates('process_refund', ['big-refund'])).toEqual(['new']);
});

test('more live grants than it keeps: undefined, so the lookup asks visibility itself', async () => {
  const { dir } = directory([grant('a', 1), grant('b', 2), grant('c', 3)], 1_000, 2);
  expect(await dir.candidates('process_refund', ['big-refund'])).toBeUndefined();
});

test('a failed listing fails the lookup and is tried again by the next one', async () => {
  let fail = true;
  const dir = new GrantDirectory({
    list: async () => {
      if (fail) throw new Error('visibility unavailable');
      return [grant('g1', 1)];
    },
    now: () => 0,
  });
  await expect(dir.candidates('process_refund', ['big-refund'])).rejects.toThrow('visibility unavailable');
  fail = false;
  expect(await dir.candidates('process_refund', ['big-refund'])).toEqual(['g1']);
});
