import { escalationTable } from '../../../src/cli/api-command';
import { buildProgram } from '../../../src/cli/main';

describe('escalations table', () => {
  test('aligns columns and shows waiting time, expiry and approvers', () => {
    const now = Date.parse('2026-01-01T01:00:00Z');
    const table = escalationTable(
      [
        {
          id: 'guard-1',
          tool: 'process_refund',
          startedAt: '2026-01-01T00:30:00Z',
          expiresAt: '2026-01-01T01:10:00Z',
          rules: [],
          approverGroups: ['finance'],
          reason: 'refund over 1000',
        },
        { id: 'b/2', tool: 'x', startedAt: '2026-01-01T00:59:00Z', rules: [], approverGroups: [] },
      ],
      now,
    );
    expect(table.split('\n')).toEqual([
      'ID       TOOL            WAITING  EXPIRES IN  APPROVERS  REASON',
      'guard-1  process_refund  30m      10m         finance    refund over 1000',
      'b/2      x               1m       -           anyone     -',
    ]);
  });

  test('the api and escalations commands are registered', () => {
    const names = buildProgram().commands.map((c) => c.name());
    expect(names).toEqual(expect.arrayContaining(['api', 'escalations', 'approve', 'deny']));
  });
});
