/**
 * Writes a batch of N items (JSON Lines) with a mix of allow / modify / block / escalate under
 * policies/example.yaml. Usage: npx tsx examples/batches/generate.ts 100000 [--escalate-every K] > big.jsonl
 */
import type { BatchItem } from '../../src/workflows/definitions';

/** The item at `index`: every `escalateEvery`-th is a refund that escalates (0: none). */
export function batchItem(index: number, escalateEvery = 20): BatchItem {
  const callId = `gen-${index}`;
  if (escalateEvery > 0 && index % escalateEvery === escalateEvery - 1) {
    return { tool: 'process_refund', input: { amount: 1500 + (index % 40) * 100, orderId: `o-${index}` }, callId };
  }
  switch (index % 10) {
    case 0:
      return {
        tool: 'send_email',
        input: { to: 'support@example.com', body: `Ticket ${index}: call me at 415-555-0134` },
        callId,
      };
    case 1:
      return { tool: 'process_refund', input: { amount: 60000, orderId: `o-${index}` }, callId };
    case 2:
      return { tool: 'run_shell', input: { command: 'rm -rf /tmp/cache' }, callId };
    case 3:
      return { tool: 'process_refund', input: { amount: 20 + (index % 900), orderId: `o-${index}` }, callId };
    default:
      return { tool: 'lookup_order', input: { orderId: `o-${index}` }, callId };
  }
}

/** The whole batch as JSON Lines text. */
export function batchLines(count: number, escalateEvery = 20): string {
  let out = '';
  for (let i = 0; i < count; i += 1) out += `${JSON.stringify(batchItem(i, escalateEvery))}\n`;
  return out;
}

if (require.main === module) {
  const count = Number(process.argv[2] ?? '1000');
  const flag = process.argv.indexOf('--escalate-every');
  const every = flag > 0 ? Number(process.argv[flag + 1]) : 20;
  if (!Number.isInteger(count) || count < 1) {
    process.stderr.write('usage: npx tsx examples/batches/generate.ts COUNT [--escalate-every K] > batch.jsonl\n');
    process.exit(2);
  }
  for (let i = 0; i < count; i += 1000) {
    let chunk = '';
    for (let j = i; j < Math.min(count, i + 1000); j += 1) chunk += `${JSON.stringify(batchItem(j, every))}\n`;
    process.stdout.write(chunk);
  }
}
