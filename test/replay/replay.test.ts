import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from '@temporalio/worker';

const dir = join(__dirname, 'histories');
const files = readdirSync(dir).filter((f) => f.endsWith('.json') && f !== 'workflow-ids.json');
const workflowIds = JSON.parse(readFileSync(join(dir, 'workflow-ids.json'), 'utf8')) as Record<string, string>;

/** Every recorded workflow path replays against today's workflow code without a determinism error. */
test('recorded histories replay without nondeterminism', async () => {
  expect(files.length).toBeGreaterThanOrEqual(16);
  expect(Object.keys(workflowIds).sort()).toEqual(files.map((f) => f.replace(/\.json$/, '')).sort());
  const histories = files.map((file) => ({
    workflowId: workflowIds[file.replace(/\.json$/, '')] ?? file.replace(/\.json$/, ''),
    history: JSON.parse(readFileSync(join(dir, file), 'utf8')),
  }));
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
  expect(replayed).toBe(files.length);
});
