import { Worker } from 'node:worker_threads';
import { limitWorkflowHeap } from '../../src/worker-memory';

/** The heap limit a new thread's isolate gets, in MB. */
function threadHeapLimitMb(): Promise<number> {
  const code =
    "require('node:worker_threads').parentPort.postMessage(require('node:v8').getHeapStatistics().heap_size_limit)";
  const thread = new Worker(code, { eval: true });
  return new Promise((resolve, reject) => {
    thread.once('message', (bytes: number) => resolve(bytes / 1048576));
    thread.once('error', reject);
  }).finally(() => thread.terminate()) as Promise<number>;
}

describe('limitWorkflowHeap', () => {
  test('caps the old space of threads started afterwards (the workflow thread)', async () => {
    limitWorkflowHeap(200);
    const capped = await threadHeapLimitMb();
    // The limit covers old space plus the young generation's semi-spaces (a few dozen MB).
    expect(capped).toBeGreaterThanOrEqual(200);
    expect(capped).toBeLessThan(300);
    limitWorkflowHeap(900);
    expect(await threadHeapLimitMb()).toBeGreaterThanOrEqual(900);
  });

  test.each([0, 63, 100.5, Number.NaN])('refuses %p MB', (mb) => {
    expect(() => limitWorkflowHeap(mb)).toThrow(/workflow heap must be a whole number of MB >= 64/);
  });
});
