import { parsePolicy } from '../../../src/policy';

const rule = (escalation: string) =>
  `policy: t\nrules:\n  - id: big\n    tools: refund\n    action: escalate\n    escalation:\n${escalation}`;

describe('ladder settings in a policy', () => {
  test('the 72-hour example compiles to steps, onTimeout and maxWindow', () => {
    const policy = parsePolicy(
      rule(
        [
          '      timeout: 72h',
          '      approverGroups: [finance]',
          '      ladder:',
          '        - { after: 4h, remind: true }',
          '        - { after: 24h, route: { approverGroups: [finance-leads] } }',
          '        - { after: 0.9, remind: true }',
          '      onTimeout: { escalate: { approverGroups: [cfo], timeout: 24h } }',
          '      maxWindow: 96h',
        ].join('\n'),
      ),
      't.yaml',
    );
    expect(policy.rules[0]?.escalation).toMatchObject({
      ladder: [
        { afterMs: 4 * 3_600_000, kind: 'remind' },
        { afterMs: 24 * 3_600_000, kind: 'route', approverGroups: ['finance-leads'] },
        { fraction: 0.9, kind: 'remind' },
      ],
      onTimeout: { action: 'escalate', approverGroups: ['cfo'], timeoutMs: 24 * 3_600_000 },
      maxWindowMs: 96 * 3_600_000,
    });
  });

  test.each([
    [
      '      timeout: 4h\n      approverGroups: [f]\n      ladder: [{ after: 4h, remind: true }]',
      'not before the window ends',
    ],
    ['      approverGroups: [f]\n      ladder: [{ after: 1.5, remind: true }]', 'below 1'],
    ['      approverGroups: [f]\n      ladder: [{ after: 1h }]', 'exactly one'],
    ['      approverGroups: [f]\n      ladder: [{ after: 1h, route: {} }]', 'give at least one'],
    ['      ladder: [{ after: 1h, route: { approverGroups: [leads] } }]', 'anyone may approve already'],
    ['      timeout: 72h\n      maxWindow: 24h', 'shorter than the window'],
    ['      onTimeout: maybe', 'unknown onTimeout'],
  ])('%s is refused: %s', (escalation, message) => {
    expect(() => parsePolicy(rule(escalation), 't.yaml')).toThrow(message);
  });
});
