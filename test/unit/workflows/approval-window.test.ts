import { ApprovalWindow } from '../../../src/workflows/approval-window';

const H = 3_600_000;
const settings = {
  approverGroups: ['finance'],
  channels: ['finance-slack'],
  ladder: [
    { afterMs: 4 * H, kind: 'remind' as const },
    { afterMs: 24 * H, kind: 'route' as const, approverGroups: ['finance-leads'], channels: ['leads-slack'] },
  ],
  onTimeout: { action: 'escalate' as const, approverGroups: ['cfo'], timeoutMs: 24 * H },
  maxWindowMs: 96 * H,
};

describe('ApprovalWindow', () => {
  test('steps in time order, then the end; a route adds groups; escalate moves to the new group', () => {
    const w = new ApprovalWindow(0, 72 * H, settings);
    expect(w.next()).toMatchObject({ kind: 'remind', atMs: 4 * H });
    expect(w.take(w.next(), 4 * H).tell).toEqual(['finance-slack']);
    expect(w.next()).toMatchObject({ kind: 'route', atMs: 24 * H });
    expect(w.take(w.next(), 24 * H).tell).toEqual(['leads-slack']);
    expect(w.groups).toEqual(['finance', 'finance-leads']);
    expect(w.next()).toMatchObject({ kind: 'end', atMs: 72 * H, summary: 'approval window 3d, then escalate to cfo' });
    expect(w.escalate(72 * H)?.tell).toEqual(['finance-slack', 'leads-slack']);
    expect(w.groups).toEqual(['cfo']);
    expect(w.onTimeout).toEqual({ action: 'block' });
    expect(w.escalate(96 * H)).toBeUndefined();
    expect(w.ending(96 * H)).toEqual({
      action: 'block',
      reason: 'escalation timed out after 4d (escalated to cfo after 3d) without a decision',
    });
  });

  test('a route on a window anyone may approve adds channels only', () => {
    const w = new ApprovalWindow(0, 72 * H, { ladder: [settings.ladder[1]!] });
    w.take(w.next(), 24 * H);
    expect(w.groups).toEqual([]);
    expect(w.channels).toEqual(['leads-slack']);
  });

  test('extensions up to maxWindow, refused beyond it and without one', () => {
    const w = new ApprovalWindow(0, 72 * H, settings);
    expect(w.extensionProblem(24 * H)).toBeUndefined();
    w.extend(20 * H, 'fran', H);
    expect(w.expiresAt).toBe(new Date(92 * H).toISOString());
    expect(w.extensionProblem(5 * H)).toContain('past its maxWindow 4d (at most 4h more)');
    expect(new ApprovalWindow(0, H, {}).extensionProblem(H)).toContain('sets no maxWindow');
  });

  test('allow on timeout only when the rule says so', () => {
    expect(new ApprovalWindow(0, H, { onTimeout: { action: 'allow' } }).ending(H).action).toBe('allow');
    expect(new ApprovalWindow(0, H, { maxWindowMs: 2 * H }).ending(H).action).toBe('block');
  });
});
