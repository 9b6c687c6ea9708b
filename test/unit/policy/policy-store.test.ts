import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';

import type { PolicyError } from '../../../src/policy';
import { PolicyStore } from '../../../src/policy';

const now = new Date('2025-06-01T12:00:00Z');
const policy = (action: string) =>
  `policy: live\nrules:\n  - id: refunds\n    tools: process_refund\n    action: ${action}\n`;

async function waitFor(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('condition not reached in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

describe('PolicyStore hot reload', () => {
  let dir: string;
  let file: string;
  let store: PolicyStore | undefined;
  beforeEach(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'policy-store-'));
    file = path.join(dir, 'live.yaml');
  });
  afterEach(() => {
    store?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('swaps in a valid change, keeps the last good engine on a broken file and reports it once', async () => {
    writeFileSync(file, policy('allow'));
    const errors: PolicyError[] = [];
    let reloads = 0;
    store = new PolicyStore([file], { intervalMs: 25, onError: (e) => errors.push(e), onReload: () => reloads++ });
    const call = { tool: 'process_refund', input: { amount: 5 } };
    expect((await store.decide(call, now)).action).toBe('allow');
    const firstVersion = store.version;

    writeFileSync(file, policy('block'));
    await waitFor(() => reloads === 1);
    const blocked = await store.decide(call, now);
    expect(blocked.action).toBe('block');
    expect(blocked.policyVersion).not.toBe(firstVersion);

    writeFileSync(file, policy('escalte'));
    await waitFor(() => errors.length === 1);
    expect(errors[0]?.name).toBe('PolicyError');
    expect(errors[0]?.message).toBe(
      `${file}:5: rule 'refunds': unknown action 'escalte' (expected allow, block, modify, escalate)`,
    );
    expect((await store.decide(call, now)).action).toBe('block');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(errors).toHaveLength(1);

    writeFileSync(file, policy('escalate'));
    await waitFor(() => reloads === 2);
    expect((await store.decide(call, now)).action).toBe('escalate');
  });

  test('a deleted file keeps the last good engine and is reported', async () => {
    writeFileSync(file, policy('block'));
    const errors: PolicyError[] = [];
    store = new PolicyStore([file], { intervalMs: 25, onError: (e) => errors.push(e) });
    rmSync(file);
    await waitFor(() => errors.length === 1);
    expect(errors[0]?.message).toMatch(/cannot read policy file/);
    expect((await store.decide({ tool: 'process_refund', input: {} }, now)).action).toBe('block');
  });

  test('an invalid file at start throws', () => {
    writeFileSync(file, policy('nope'));
    expect(() => new PolicyStore([file])).toThrow("rule 'refunds': unknown action 'nope'");
  });

  test('reload() picks up a change at once and reports whether it swapped', () => {
    writeFileSync(file, policy('allow'));
    store = new PolicyStore([file], { intervalMs: 60_000 });
    expect(store.reload()).toBe(false);
    writeFileSync(file, policy('block'));
    expect(store.reload()).toBe(true);
    expect(store.engine.decideStatic({ tool: 'process_refund', input: {} }, now).action).toBe('block');
  });
});
