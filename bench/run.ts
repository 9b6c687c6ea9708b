import type { BenchResult } from './bench-result';
import { benchPolicy } from './policy';

function table(results: BenchResult[]): string {
  const rows = results.map((r) => [
    r.name,
    Math.round(r.opsPerSec).toLocaleString('en-US'),
    r.goal.toLocaleString('en-US'),
    `${r.ratio.toFixed(2)}x`,
    `${r.operations.toLocaleString('en-US')} in ${r.seconds.toFixed(2)} s`,
  ]);
  const header = ['benchmark', 'ops/s', 'goal ops/s', 'ratio', 'measured'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] as string).length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i] as number)).join(' | ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('-|-'), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  const results = [...(await benchPolicy())];
  process.stdout.write(table(results) + '\n');
}

main().catch((error: unknown) => {
  process.stderr.write(`${String(error)}\n`);
  process.exitCode = 1;
});
