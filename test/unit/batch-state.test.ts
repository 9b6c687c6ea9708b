import { BatchState } from '../../src/workflows/batch-state';

test('escalated items leave the running count, are counted once, and carry over', () => {
  const state = new BatchState('b', undefined, 3, '2026-01-01T00:00:00.000Z');
  const [a, b] = [state.startNext(), state.startNext()];
  expect(state.running).toBe(2);
  state.markPending(a);
  expect([state.running, state.pending, state.openInRun]).toEqual([1, 1, 2]);
  expect(state.finish(b, { status: 'done', action: 'allow' })).toBe(true);
  expect(state.finish(b, { status: 'done', action: 'allow' })).toBe(false);
  const next = new BatchState('b', state.carry(42, false), 3);
  expect(next.pendingIndices()).toEqual([a]);
  expect(next.openInRun).toBe(0);
  expect(next.finish(a, { status: 'done', action: 'block', reason: 'over budget', tool: 'process_refund' })).toBe(true);
  next.invalidNext('byte 9: invalid JSON');
  next.sourceExhausted();
  const summary = next.summary('completed');
  expect(summary).toMatchObject({
    done: 3,
    total: 3,
    runs: 2,
    counts: { byAction: { allow: 1, block: 1, modify: 0 }, escalated: 1 },
    problems: [
      { index: 0, itemId: 'b/0', tool: 'process_refund', status: 'done', reason: 'over budget' },
      { index: 2, status: 'invalid', reason: 'byte 9: invalid JSON' },
    ],
  });
});

test('cancelling counts the items never started as cancelled', () => {
  const state = new BatchState('b', undefined, 10);
  state.startNext();
  state.cancelNotStarted();
  expect(state.progress()).toMatchObject({ total: 10, done: 9, running: 1 });
});

test('the summary lists the first 100 problems and counts the rest', () => {
  const state = new BatchState('b', undefined, undefined);
  for (let i = 0; i < 105; i += 1) state.invalidNext('bad');
  const summary = state.summary('completed');
  expect(summary.problems).toHaveLength(100);
  expect(summary.problemsNotListed).toBe(5);
});
