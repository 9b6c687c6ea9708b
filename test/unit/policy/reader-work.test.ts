/**
 * The shell and SQL readers' work is bounded by their input's length on every hostile shape, counted in steps
 * (src/policy/detectors/reader-work.ts), not timed: a reader that goes back over text it has read shows as steps
 * growing faster than the input whatever the machine's load. The SQL lexer once scanned the rest of a run of
 * digits for every number in it (`1111...`: 150-600 ms at 64 KB); this is the test that would have caught it.
 */
import { ADVERSARIAL_UNITS, adversarialString } from '../../../bench/adversarial';
import { readerWork } from '../../../src/policy/detectors/reader-work';
import { classifyShell } from '../../../src/policy/detectors/shell-classify';
import { classifySql, type SqlDialect } from '../../../src/policy/detectors/sql-classify';

const printable = Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i));
// Shapes beyond the benchmark's: number forms, dollar quotes, nesting, statements the WHERE reader judges.
const extra = [
  '1.',
  '1e1',
  '.1',
  '1é',
  '$$',
  '$a',
  "''",
  "E'\\",
  '((',
  '(1',
  'x.y.',
  '1::',
  'a;',
  'IN (',
  'DELETE FROM t WHERE (',
  'DELETE FROM t WHERE a IN (',
  'DELETE FROM t WHERE 1=1;',
  'UPDATE t SET a=1 WHERE a=1 OR ',
  'WITH a AS (',
  'a=1 ',
  '${a',
  '<<',
  'a\\\n',
  'case a in ',
  'for a in ',
  'f() { ',
  'xargs -I{} ',
  'bash -c ',
];
const units = [...new Set([...ADVERSARIAL_UNITS, ...printable, ...extra])];

const small = 4 * 1024;
const large = 16 * 1024;
/** Steps per input character a linear reader stays under (the worst shape measured about 2.5). */
const perChar = 8;
/** Quadrupling the input may at most multiply the steps by this (linear is 4, quadratic 16). */
const growth = 5;

function steps(run: (text: string) => unknown, text: string): number {
  readerWork.steps = 0;
  run(text);
  return readerWork.steps;
}

const readers: [string, (text: string) => unknown][] = [
  ...(['postgresql', 'mysql', 'transactsql'] as SqlDialect[]).map((dialect): [string, (text: string) => unknown] => [
    `SQL (${dialect})`,
    (text) => classifySql(text, dialect),
  ]),
  ['shell', (text) => classifyShell(text)],
];

describe.each(readers)('%s reader work on hostile shapes', (_name, run) => {
  test('counts every character it reads', () => {
    expect(steps(run, 'a'.repeat(1000))).toBeGreaterThanOrEqual(1000);
  });

  test(`stays under ${perChar} steps a character and grows linearly from ${small} to ${large} characters`, () => {
    const over: string[] = [];
    for (const unit of units) {
      const atSmall = steps(run, adversarialString(unit, small));
      const atLarge = steps(run, adversarialString(unit, large));
      if (atLarge > perChar * large || atLarge > growth * Math.max(atSmall, small)) {
        over.push(`${JSON.stringify(unit)}: ${atSmall} steps at ${small}, ${atLarge} at ${large}`);
      }
    }
    expect(over).toEqual([]);
  });
});
