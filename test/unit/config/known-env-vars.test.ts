import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_ENV_VARS } from '../../../src/config';

const SRC_DIR = join(__dirname, '../../../src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  );
}

/**
 * Every variable of ours (DURABLE_GUARD_*, TEMPORAL_*) that src/ reads: `env.NAME`, `env['NAME']`, or a string literal that is exactly one of
 * our names (modules that keep the name in a constant, like the codec keys).
 */
function envReadsInSource(): Set<string> {
  const reads = new Set<string>();
  for (const file of sourceFiles(SRC_DIR)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g)) {
      reads.add(match[1] ?? match[2] ?? '');
    }
    for (const match of text.matchAll(/['"]((?:DURABLE_GUARD|TEMPORAL)_[A-Z0-9_]+)['"]/g)) {
      reads.add(match[1] ?? '');
    }
  }
  return new Set([...reads].filter((name) => /^(DURABLE_GUARD|TEMPORAL)_/.test(name)));
}

describe('KNOWN_ENV_VARS', () => {
  const reads = envReadsInSource();

  test('the source scan finds reads at all', () => {
    expect(reads.size).toBeGreaterThan(10);
  });

  test.each([...KNOWN_ENV_VARS])('%s is read in src/', (name) => {
    expect(reads).toContain(name);
  });

  test('every variable src/ reads is listed', () => {
    expect([...reads].sort()).toEqual([...KNOWN_ENV_VARS].sort());
  });

  test.each([...KNOWN_ENV_VARS])('%s is documented in the docs/operations.md table', (name) => {
    const docs = readFileSync(join(__dirname, '../../../docs/operations.md'), 'utf8');
    expect(docs).toMatch(new RegExp(`^\\| \`${name}\` +\\|`, 'm'));
  });

  test('has no duplicates', () => {
    expect(new Set(KNOWN_ENV_VARS).size).toBe(KNOWN_ENV_VARS.length);
  });
});
