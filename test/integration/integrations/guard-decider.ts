/** The fixed decisions both provider tests run against, and a tool registry that counts what ran. */
import { piiRedacted, refundEscalated, rmRfBlocked } from '../fixtures/decisions';
import { tableDecider } from '../helpers';

export function providerDecider() {
  return tableDecider({
    send_email: piiRedacted(),
    run_shell: rmRfBlocked,
    execute_sql: {
      action: 'block',
      reason: 'DDL is not allowed',
      rulesTriggered: [
        { id: 'no-ddl', action: 'block', mode: 'enforce' },
        { id: 'sql-review', action: 'escalate', mode: 'audit' },
      ],
    },
    process_refund: refundEscalated({ timeoutMs: 60_000, approverGroups: ['finance'] }),
  });
}

/** The agent's own tools, run by the test's mini agent loop; `ran` counts every run. */
export function countedTools() {
  const ran: { tool: string; input: Record<string, unknown> }[] = [];
  return {
    ran,
    run(tool: string, input: Record<string, unknown>): string {
      ran.push({ tool, input });
      return JSON.stringify({ ok: true, tool });
    },
  };
}
