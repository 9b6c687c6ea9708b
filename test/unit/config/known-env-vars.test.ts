import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KNOWN_ENV_VARS } from '../../../src/config';

const CONFIG_DIR = join(__dirname, '../../../src/config');

/** Every `env.NAME` or `env['NAME']` read in the source text of src/config. */
function envReadsInSource(): Set<string> {
  const reads = new Set<string>();
  for (const file of readdirSync(CONFIG_DIR).filter((name) => name.endsWith('.ts'))) {
    const text = readFileSync(join(CONFIG_DIR, file), 'utf8');
    for (const match of text.matchAll(/\benv(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g)) {
      reads.add(match[1] ?? match[2] ?? '');
    }
  }
  return reads;
}

describe('KNOWN_ENV_VARS', () => {
  const reads = envReadsInSource();

  test('the source scan finds reads at all', () => {
    expect(reads.size).toBeGreaterThan(10);
  });

  test.each([...KNOWN_ENV_VARS])('%s is read in src/config', (name) => {
    expect(reads).toContain(name);
  });

  test('every variable src/config reads is listed', () => {
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
