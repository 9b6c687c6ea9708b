import { bulkInputProblem } from '../../../src/workflows/bulk-input';

const good = {
  decision: 'approve',
  filter: { batch: 'b1' },
  approver: { id: 'alice', groups: ['finance'] },
  taskQueue: 'durable-guard',
  requestedAt: '2026-12-01T10:00:00.000Z',
};

test('a good input has no problem', () => {
  expect(bulkInputProblem(good)).toBeUndefined();
  expect(bulkInputProblem({ ...good, filter: { ids: ['a/1', 'guard-x'], where: 'input.amount < 5' } })).toBeUndefined();
});

test.each([
  ['not an object', 'x', 'the input must be an object'],
  ['bad decision', { ...good, decision: 'maybe' }, "decision must be 'approve' or 'deny'"],
  ['no approver', { ...good, approver: undefined }, 'approver must be an object {id, groups}'],
  ['approver without id', { ...good, approver: { groups: [] } }, 'approver.id is required'],
  ['groups not an array', { ...good, approver: { id: 'a', groups: 'finance' } }, 'approver.groups must be an array'],
  ['no task queue', { ...good, taskQueue: '' }, 'taskQueue must be a non-empty string'],
  ['bad time', { ...good, requestedAt: 'yesterday' }, 'requestedAt must be an ISO-8601 time'],
  ['page size 0', { ...good, pageSize: 0 }, 'pageSize must be an integer from 1 to 1000'],
  ['huge concurrency', { ...good, concurrency: 10_000 }, 'concurrency must be an integer from 1 to 100'],
  ['empty filter', { ...good, filter: {} }, 'the filter selects every pending escalation'],
  ['filter not an object', { ...good, filter: [] }, 'filter must be an object'],
  ['ids with batch', { ...good, filter: { ids: ['a'], batch: 'b' } }, 'filter.ids cannot be combined'],
  [
    'ids over callIdLength',
    { ...good, filter: { ids: ['x'.repeat(257)] } },
    'filter.ids[0] is 257 characters long (limit callIdLength: 256)',
  ],
  ['an id with a quote', { ...good, filter: { ids: ["a' OR 1=1"] } }, 'filter.ids[0] "a\' OR 1=1" has the character'],
  ['too many ids', { ...good, filter: { ids: Array.from({ length: 1001 }, (_, i) => `c-${i}`) } }, 'at most 1000'],
  ['long where', { ...good, filter: { batch: 'b', where: 'x'.repeat(2001) } }, 'filter.where is 2001 characters long'],
  ['negative age', { ...good, filter: { olderThanMs: -1 } }, 'filter.olderThanMs must be a number'],
])('%s', (_name, input, message) => {
  expect(bulkInputProblem(input)).toContain(message);
});
