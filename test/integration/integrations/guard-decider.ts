/** The fixed decisions both provider tests run against, and a tool registry that counts what ran. */
import { piiRedacted, refundEscalated, rmRfBlocked } from '../fixtures/decisions';
import { tableDecider, workerForFile } from '../helpers';
import { startProviderServer } from './provider-server';

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

/**
 * Hooks for a provider test file: a worker on `providerDecider()` and the 127.0.0.1 provider stand-in. The
 * returned object's fields are set once the hooks have run.
 */
export function providerTestFile(name: string) {
  const decider = providerDecider();
  const file = workerForFile(name, decider);
  const context = { decider } as {
    decider: typeof decider;
    env: typeof file.env;
    provider: Awaited<ReturnType<typeof startProviderServer>>;
  };
  beforeAll(async () => {
    context.env = file.env;
    context.provider = await startProviderServer();
  });
  afterAll(async () => {
    await context.provider.close();
  });
  return context;
}
