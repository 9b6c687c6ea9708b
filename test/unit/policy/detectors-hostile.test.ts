import { egressDetectors } from '../../../src/policy/detectors/egress';
import { detectorsByName } from '../../../src/policy/detectors/registry';
import { SCAN_WINDOW, scanValue } from '../../../src/policy/detectors/scan';
import { secretDetectors } from '../../../src/policy/detectors/secret-gate';
import { shellDetectors } from '../../../src/policy/detectors/shell';
import { classifyShell } from '../../../src/policy/detectors/shell-classify';
import { parseShell, ShellSyntaxError } from '../../../src/policy/detectors/shell-parse';
import { sqlDetectorsFor } from '../../../src/policy/detectors/sql';
import { lexSql } from '../../../src/policy/detectors/sql-lex';

const size = 1 << 20;
const fill = (unit: string): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

/** Printable noise from a fixed seed, so that a failure reproduces. */
function noise(): string {
  let state = 12345;
  let out = '';
  for (let i = 0; i < size; i++) {
    state = (state * 1103515245 + 12345) & 0x7fffffff;
    out += String.fromCharCode(32 + (state % 95));
  }
  return out;
}

// Shapes that make backtracking regexes or naive parsers quadratic: long runs of a prefix, unclosed openers.
const hostile: [string, string][] = [
  ['a run of one letter', fill('a')],
  ['printable noise', noise()],
  ['eyJ prefixes', fill('eyJ')],
  ['JWT-like header runs', fill('eyJhbGciOi.')],
  ['sk- key prefixes', fill('sk-proj-')],
  ['GitHub prefixes', fill('ghp_')],
  ['AWS id prefixes', fill('AKIA')],
  ['base64 without end', fill('Ab3/+xYz')],
  ['PEM headers without END', fill('-----BEGIN PRIVATE KEY-----\n')],
  ['assignments', fill('password=')],
  ['URL credentials', fill('postgres://a:')],
  ['URL schemes', fill('http://')],
  ['command substitutions', fill('$(')],
  ['backticks', fill('`')],
  ['double quotes', fill('"\\')],
  ['parameter expansions', fill('${')],
  ['pipelines', fill('sh|')],
  ['commands', fill('rm -rf / ; ')],
  ['heredocs', fill('cat <<E\n')],
  ['SQL comments', fill('/*')],
  ['SQL WHERE parentheses', `DELETE FROM t WHERE ${fill('((')}`],
  ['SQL statements', fill('DELETE FROM t WHERE a = 1 OR 1=1;')],
];

const detectors = [
  ...shellDetectors,
  ...sqlDetectorsFor('postgresql'),
  ...sqlDetectorsFor('mysql'),
  ...secretDetectors,
  ...egressDetectors,
];

describe('detectors on hostile 1 MB strings (hang guard; speed is in the benchmark)', () => {
  // jest's timeout is the guard: a quadratic detector takes minutes on these.
  test.each(hostile)('every detector finishes on %s', (_name, text) => {
    for (const detector of detectors) {
      const found = detector.find(text);
      expect(Array.isArray(found)).toBe(true);
      expect(detector.test(text)).toBe(found.length > 0);
    }
  });

  test('shell and SQL over 64 KiB are unparseable, not parsed', () => {
    expect(classifyShell(fill('ls ; ')).level).toBe('unparseable');
    const [, , unparseable] = sqlDetectorsFor('postgresql');
    expect(unparseable?.test(fill('SELECT 1;'))).toBe(true);
  });

  const shellShapes = hostile.filter(([name]) =>
    /letter|noise|substitutions|backticks|quotes|expansions|pipelines|commands|heredocs/.test(name),
  );
  const sqlShapes = hostile.filter(([name]) => /letter|noise|quotes|SQL/.test(name));

  test.each(shellShapes)('the shell parser itself is linear on %s', (_name, text) => {
    try {
      const script = parseShell(text);
      expect(Array.isArray(script.commands)).toBe(true);
    } catch (error) {
      expect((error as Error).name).toBe(ShellSyntaxError.name);
    }
  });

  test.each(sqlShapes)('the SQL lexer itself is linear on %s', (_name, text) => {
    try {
      expect(Array.isArray(lexSql(text))).toBe(true);
    } catch (error) {
      expect((error as Error).name).toBe('SqlLexError');
    }
  });
});

describe('shell and SQL are judged whole, never in windows', () => {
  const quoted = 'x'.repeat(6000);
  const find = (text: string, names: string[]) =>
    scanValue(
      { text },
      [...detectorsByName.values()].filter((d) => names.includes(d.name)),
    ).map((f) => f.detector);

  test('every registered detector is marked linear, so no built-in detector is windowed', () => {
    expect([...detectorsByName.values()].filter((d) => d.linear !== true).map((d) => d.name)).toEqual([]);
  });

  test('a dangerous command after a quoted string longer than a scan window is dangerous', () => {
    // In 4 KB windows each piece is an unterminated quote (unparseable), and the `rm -rf /` is never judged.
    const command = `echo "${quoted}"; rm -rf /`;
    expect(command.length).toBeGreaterThan(SCAN_WINDOW);
    expect(find(command, ['dangerous_shell', 'unparseable_shell'])).toEqual(['dangerous_shell']);
  });

  test('a DROP after a string literal longer than a scan window is destructive', () => {
    const sql = `SELECT '${quoted}'; DROP TABLE users`;
    expect(find(sql, ['destructive_sql', 'unparseable_sql'])).toEqual(['destructive_sql']);
  });

  test('shell and SQL over 64 KiB fail closed: unparseable, so onUnparseable decides', () => {
    const command = `${'echo ok; '.repeat(8000)}rm -rf /`;
    expect(find(command, ['dangerous_shell', 'unparseable_shell'])).toEqual(['unparseable_shell']);
    const sql = `${'SELECT 1; '.repeat(8000)}DROP TABLE users`;
    expect(find(sql, ['destructive_sql', 'unparseable_sql'])).toEqual(['unparseable_sql']);
  });
});

describe('commands run by commands are nested a bounded number of levels', () => {
  test.each([
    ['find -exec', 'find . -exec '],
    ['xargs', 'xargs '],
  ])('%s repeated to 60 KB ends, suspicious past the bound, without overflowing the stack', (_name, unit) => {
    const verdict = classifyShell(unit.repeat(Math.floor(60_000 / unit.length)));
    expect(verdict.level).toBe('suspicious');
    expect(verdict.reasons).toContain('commands nested too deeply to judge');
  });

  test('rm -rf / four levels down is still found', () => {
    expect(classifyShell('find . -exec xargs find / -exec xargs rm -rf / \\;').level).toBe('danger');
  });
});
