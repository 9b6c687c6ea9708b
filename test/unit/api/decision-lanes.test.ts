import { DecisionLanes } from '../../../src/api/decision-lanes';
import type { GuardResult } from '../../../src/workflows/definitions';

const approved = (by: string): GuardResult => ({
  action: 'allow',
  rulesTriggered: [],
  escalationId: 'e',
  decidedBy: { kind: 'human', identity: by, at: '2026-12-01T00:00:00.000Z' },
});
const vote = (): GuardResult => ({ action: 'escalate', rulesTriggered: [], escalationId: 'e' });
const decidedBy = (result: GuardResult) => new Error(`decided by ${result.decidedBy?.identity}`);

describe('decision lanes', () => {
  test('a burst on one call sends one decision; the rest are answered from its outcome', async () => {
    const lanes = new DecisionLanes();
    let sent = 0;
    let inFlight = 0;
    let maxInFlight = 0;
    const decide = (by: string) => async () => {
      sent += 1;
      inFlight += 1;
      maxInFlight = Math.max(maxInFlight, inFlight);
      await new Promise((r) => setTimeout(r, 5));
      inFlight -= 1;
      return approved(by);
    };
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, (_, i) => lanes.run('e', decide(`a${i}`), decidedBy)),
    );
    expect(sent).toBe(1);
    expect(maxInFlight).toBe(1);
    expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    const refusals = outcomes.flatMap((o) => (o.status === 'rejected' ? [(o.reason as Error).message] : []));
    expect(new Set(refusals)).toEqual(new Set(['decided by a0']));
  });

  test('votes that leave the call pending go one after another, each sent; other calls do not wait', async () => {
    const lanes = new DecisionLanes();
    const order: string[] = [];
    const step = (name: string, result: GuardResult) => async () => {
      order.push(`${name}:start`);
      await new Promise((r) => setTimeout(r, 5));
      order.push(`${name}:end`);
      return result;
    };
    const first = lanes.run('q', step('v1', vote()), decidedBy);
    const second = lanes.run('q', step('v2', approved('b')), decidedBy);
    const other = lanes.run('x', step('x1', approved('c')), decidedBy);
    await Promise.all([first, second, other]);
    expect(order.indexOf('v1:end')).toBeLessThan(order.indexOf('v2:start'));
    expect(order.indexOf('x1:start')).toBeLessThan(order.indexOf('v1:end'));
    await expect(lanes.run('q', step('v3', vote()), decidedBy)).rejects.toThrow('decided by b');
  });

  test('a final refusal answers those behind it; any other failure does not', async () => {
    const lanes = new DecisionLanes();
    const refuse = (code: string) => async () => {
      throw Object.assign(new Error(code), { code });
    };
    await expect(lanes.run('t', refuse('GUARD_TEMPORAL_UNAVAILABLE'), decidedBy)).rejects.toThrow('UNAVAILABLE');
    await expect(lanes.run('t', async () => vote(), decidedBy)).resolves.toMatchObject({ action: 'escalate' });
    await expect(lanes.run('t', refuse('GUARD_TIMED_OUT'), decidedBy)).rejects.toThrow('GUARD_TIMED_OUT');
    let sent = false;
    const late = async () => {
      sent = true;
      return approved('z');
    };
    await expect(lanes.run('t', late, decidedBy)).rejects.toThrow('GUARD_TIMED_OUT');
    expect(sent).toBe(false);
  });
});
