import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { INPUT_LIMITS } from '../../../src/workflows/input-limits';

const root = join(__dirname, '..', '..', '..');

/** Every number in INPUT_LIMITS by its dotted name (`input.maxDepth`, `callIdLength`). */
function flatten(value: object, prefix = ''): [string, number][] {
  return Object.entries(value).flatMap(([key, v]) =>
    typeof v === 'number' ? [[`${prefix}${key}`, v] as [string, number]] : flatten(v as object, `${prefix}${key}.`),
  );
}

test('docs/limits.md lists every limit of INPUT_LIMITS with its value, and nothing else', () => {
  const doc = readFileSync(join(root, 'docs', 'limits.md'), 'utf8');
  const rows = [...doc.matchAll(/^\| `([A-Za-z.]+)` +\| ([\d,]+) +\|/gm)].map(
    ([, name, value]) => [name, Number((value as string).replace(/,/g, ''))] as [string, number],
  );
  expect(Object.fromEntries(rows)).toEqual(Object.fromEntries(flatten(INPUT_LIMITS)));
  expect(rows).toHaveLength(flatten(INPUT_LIMITS).length);
});

test('README.md and docs/architecture.md link the limits page', () => {
  expect(readFileSync(join(root, 'README.md'), 'utf8')).toContain('docs/limits.md');
  expect(readFileSync(join(root, 'docs', 'architecture.md'), 'utf8')).toContain('limits.md');
});
