import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { API_ERRORS } from '../../../src/api';

test('the error table of docs/approvals.md is API_ERRORS: every code, with its status, nothing else', () => {
  const page = readFileSync(join(__dirname, '../../../docs/approvals.md'), 'utf8');
  const afterMarker = (page.split('<!-- error-table:')[1] ?? '').trimStart();
  const table = afterMarker.slice(afterMarker.indexOf('\n|')).split('\n\n')[0] ?? '';
  const rows = [...table.matchAll(/^\| (\d{3}) +\| `(GUARD_[A-Z_]+)` +\|/gm)].map((m) => [m[2], Number(m[1])]);
  expect(Object.fromEntries(rows)).toEqual(
    Object.fromEntries(Object.entries(API_ERRORS).map(([code, entry]) => [code, entry.status])),
  );
  expect(rows).toHaveLength(Object.keys(API_ERRORS).length);
});
