/**
 * What the callId conflict check costs: sequential `check()` calls (policy allow) against a real dev server and
 * worker, with random IDs (no check), with new caller-given callIds (one `describe` more), and re-submitting those
 * callIds once their calls have closed (attach + `describe` + result).
 *
 *   npx tsx bench/call-ids.ts [calls=200]
 */
import { randomUUID } from 'node:crypto';
import { GuardClient } from '../src/client';
import type { Decider } from '../src/policy/types';
import { benchStack } from './bench-stack';

export interface CallIdBenchResult {
  calls: number;
  /** Mean milliseconds per sequential check. */
  randomIdMs: number;
  callIdMs: number;
  resubmitMs: number;
}

const decider: Decider = { decide: () => ({ action: 'allow', rulesTriggered: [], policyVersion: 'bench' }) };

async function meanMs(ids: (string | undefined)[], check: (id: string | undefined) => Promise<unknown>) {
  const started = performance.now();
  for (const id of ids) await check(id);
  return (performance.now() - started) / ids.length;
}

/** Runs the callId bench and prints its figures. */
export async function benchCallIds(calls = 200, log = (line: string) => console.log(line)): Promise<CallIdBenchResult> {
  const stack = await benchStack({ name: 'call-ids', decider });
  const guard = new GuardClient({ client: stack.client, taskQueue: stack.taskQueue });
  try {
    const check = (callId: string | undefined) => guard.check('read_file', { path: '/etc/hosts' }, { callId });
    await meanMs(
      Array.from({ length: 20 }, () => undefined),
      check,
    );
    const ids = Array.from({ length: calls }, () => `bench-${randomUUID()}`);
    const result: CallIdBenchResult = {
      calls,
      randomIdMs: await meanMs(
        Array.from({ length: calls }, () => undefined),
        check,
      ),
      callIdMs: await meanMs(ids, check),
      resubmitMs: await meanMs(ids, check),
    };
    const ratio = (ms: number) => (ms / result.randomIdMs).toFixed(2);
    log(
      `check() with a random ID: ${result.randomIdMs.toFixed(1)} ms; with a new callId: ${result.callIdMs.toFixed(1)} ms ` +
        `(${ratio(result.callIdMs)}x); re-submitting a closed callId: ${result.resubmitMs.toFixed(1)} ms ` +
        `(${ratio(result.resubmitMs)}x); ${calls} sequential calls each`,
    );
    return result;
  } finally {
    await stack.stop();
  }
}

if (require.main === module) {
  const calls = Number(process.argv[2]) || undefined;
  benchCallIds(calls).catch((err: unknown) => {
    console.error(err);
    process.exitCode = 1;
  });
}
