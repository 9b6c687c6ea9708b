/**
 * A hostile call (1 MB of adversarial text on a harmless tool, under the example policy) on a real dev server: it is
 * decided once, in bounded time, with a decision (allow, or block naming the decision budget) instead of a local
 * activity that times out and is retried, while normal calls on the same worker keep being answered.
 */
import path from 'node:path';

import type { WorkflowHandle } from '@temporalio/client';

import { adversarialString } from '../../bench/adversarial';
import { PolicyEngine, loadPolicyFile } from '../../src/policy';
import type { Decider, ToolCall } from '../../src/policy';
import { workerForFile } from './helpers';

const engine = new PolicyEngine([loadPolicyFile(path.join(__dirname, '../../policies/example.yaml'))]);
const decided: ToolCall[] = [];
const decider: Decider = {
  requiresAsync: (tool) => engine.requiresAsync(tool),
  decide(call, now) {
    decided.push(call);
    return engine.decide(call, now);
  },
};

const ctx = workerForFile('hostile-decision', decider);

type HistoryEvent = NonNullable<Awaited<ReturnType<WorkflowHandle['fetchHistory']>>['events']>[number];

async function events(id: string): Promise<HistoryEvent[]> {
  return (await ctx.env.client.workflow.getHandle(id).fetchHistory()).events ?? [];
}

function kind(event: HistoryEvent): string {
  const field = Object.keys(event).find((k) => k.endsWith('EventAttributes') && event[k as keyof HistoryEvent]);
  return (field ?? '?').replace(/EventAttributes$/, '');
}

/** The decideLocal markers' `data` (seq, attempt, activity type), decoded from their JSON payloads. */
function localActivityMarkers(history: HistoryEvent[]): { attempt: number; activity_type: string }[] {
  return history
    .filter((e) => e.markerRecordedEventAttributes?.markerName === 'core_local_activity')
    .map((e) => {
      const data = e.markerRecordedEventAttributes?.details?.data?.payloads?.[0]?.data;
      return JSON.parse(Buffer.from(data ?? new Uint8Array()).toString('utf8')) as {
        attempt: number;
        activity_type: string;
      };
    });
}

test('a 1 MB adversarial call is decided once while normal calls keep being answered', async () => {
  const { guard } = ctx.env;
  // Warm up: the first call pays for the worker's first workflow task.
  await guard.check('get_order', { orderId: 'warm-up' });

  for (const unit of ['eyJ-', 'a@', 'rm ']) {
    const callId = `hostile-${unit.replace(/\W/g, '_')}-${Date.now()}`;
    const note = adversarialString(unit, 1_000_000);
    const started = Date.now();
    // upload_file has no schema in the example policy (get_order's would refuse `note` before any rule runs) and
    // every tool is scanned for secrets, so the 1 MB note is decided by the detectors.
    const hostile = guard.check('upload_file', { note }, { callId });
    let settled = false;
    void hostile.finally(() => (settled = true));

    const latencies: number[] = [];
    for (let i = 0; (!settled || i < 5) && i < 500; i++) {
      const t = Date.now();
      const normal = await guard.check('get_order', { orderId: `o-${i}` });
      latencies.push(Date.now() - t);
      expect(normal.action).toBe('allow');
    }
    const result = await hostile;
    const hostileMs = Date.now() - started;
    process.stderr.write(
      `hostile ${JSON.stringify(unit)}: ${result.action} in ${hostileMs} ms; ${latencies.length} normal calls, ` +
        `slowest ${Math.max(...latencies)} ms\n`,
    );

    // A decision, not an error: allow, or block naming the budget.
    if (result.action === 'block') {
      expect(result.reason).toMatch(/^decision budget exceeded: .* \(limits\.max(ScanBytes|DecisionMs)\)$/);
      expect(result.rulesTriggered.map((hit) => hit.id)).toContain('guard:decision-budget');
    } else {
      expect(result.action).toBe('allow');
    }
    expect(result.decidedBy?.kind).toBe('policy');

    // Decided once: one call to the engine, one decideLocal marker at attempt 1, no regular decide activity, and no
    // workflow task that failed or timed out (which would re-run the scan).
    expect(decided.filter((call) => call.input.note === note)).toHaveLength(1);
    const history = await events(callId);
    const kinds = history.map(kind);
    expect(kinds).not.toContain('activityTaskScheduled');
    expect(kinds).not.toContain('workflowTaskFailed');
    expect(kinds).not.toContain('workflowTaskTimedOut');
    expect(localActivityMarkers(history)).toEqual([
      expect.objectContaining({ attempt: 1, activity_type: 'decideLocal' }),
    ]);

    // Normal calls were answered throughout. The bound is a hang guard well under the local activity's 10 s
    // timeout: before the budget, calls next to a hostile one took 6-40 s.
    expect(Math.max(...latencies)).toBeLessThan(5_000);
  }
}, 120_000);
