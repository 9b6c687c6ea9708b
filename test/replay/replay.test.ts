import { Worker } from '@temporalio/worker';
import { recordedHistories } from './recorded-histories';

/** Every recorded workflow path replays against today's workflow code without a determinism error. */
test('recorded histories replay without nondeterminism', async () => {
  const { histories, indexed } = recordedHistories();
  expect(histories.length).toBeGreaterThanOrEqual(16);
  expect([...indexed].sort()).toEqual(histories.map((h) => h.name).sort());
  const failures: string[] = [];
  let replayed = 0;
  for await (const result of Worker.runReplayHistories(
    { workflowBundle: { codePath: process.env.DG_TEST_BUNDLE as string } },
    histories,
  )) {
    replayed += 1;
    if (result.error) failures.push(`${result.workflowId}: ${result.error.message}`);
  }
  expect(failures).toEqual([]);
  expect(replayed).toBe(histories.length);
}, 300_000);
