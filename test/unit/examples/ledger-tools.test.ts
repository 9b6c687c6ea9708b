import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLedgerTools, LedgerIndex, readLedger } from '../../../examples/tools/ledger-tools';

const ctx = (key: string) => ({ idempotencyKey: key, callId: key });
const ledgerPath = () => join(mkdtempSync(join(tmpdir(), 'ledger-')), 'ledger.jsonl');

test('an effect is made once per key, also when another registry (process) on the same file made it', async () => {
  const path = ledgerPath();
  const a = createLedgerTools(path);
  const b = createLedgerTools(path);
  expect(await a.process_refund?.run({ amount: 10 }, ctx('k1'))).toEqual({ refunded: 10, currency: 'USD' });
  // b indexes the file for the first time here, a has indexed it before b appends.
  expect(await b.process_refund?.run({ amount: 99 }, ctx('k1'))).toEqual({ refunded: 10, currency: 'USD' });
  expect(await b.lookup_order?.run({ orderId: 'o-2' }, ctx('k2'))).toEqual({ orderId: 'o-2', status: 'shipped' });
  expect(await a.lookup_order?.run({ orderId: 'o-other' }, ctx('k2'))).toEqual({ orderId: 'o-2', status: 'shipped' });
  expect(await a.lookup_order?.run({ orderId: 'o-3' }, ctx('k3'))).toEqual({ orderId: 'o-3', status: 'shipped' });
  expect(readLedger(path).map((e) => e.key)).toEqual(['k1', 'k2', 'k3']);
});

test('the index reads only complete lines and starts over when the file is replaced by a smaller one', () => {
  const path = ledgerPath();
  const index = new LedgerIndex(path);
  expect(index.lookup('k1')).toBeUndefined();
  const line = (key: string, result: unknown) =>
    JSON.stringify({ key, tool: 't', input: {}, result, at: '2026-01-01T00:00:00.000Z', pid: 1 });
  writeFileSync(path, `${line('k1', 1)}\n${line('k2', 2).slice(0, 20)}`);
  expect(index.lookup('k1')).toEqual({ result: 1 });
  expect(index.lookup('k2')).toBeUndefined();
  appendFileSync(path, `${line('k2', 2).slice(20)}\n`);
  expect(index.lookup('k2')).toEqual({ result: 2 });
  writeFileSync(path, `${line('k9', 9)}\n`);
  expect(index.lookup('k1')).toBeUndefined();
  expect(index.lookup('k9')).toEqual({ result: 9 });
});
