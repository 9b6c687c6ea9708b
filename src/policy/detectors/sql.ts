import type { DetectorMatch } from './detector';
import type { GradedDetector } from './levels';
import { classifySql, type SqlDialect, type SqlVerdict } from './sql-classify';
import { verdictMemo } from './verdict-memo';

type SqlLevel = NonNullable<SqlVerdict['level']>;

// One memo per dialect, keyed by the SQL itself: a key made per lookup (`dialect + sql`) is hashed every time.
const memos = new Map<SqlDialect, ReturnType<typeof verdictMemo<SqlVerdict>>>();
let lastKey: string | undefined;
let lastDialect: SqlDialect | undefined;
let lastVerdict: SqlVerdict = { reasons: [] };

/**
 * The verdict on `sql`: the three SQL detectors judge it once (the last string is kept), and recent strings are
 * remembered per dialect in a bounded memo (verdict-memo.ts).
 */
export function sqlVerdict(sql: string, dialect: SqlDialect): SqlVerdict {
  if (sql !== lastKey || dialect !== lastDialect) {
    let memo = memos.get(dialect);
    if (!memo) memos.set(dialect, (memo = verdictMemo<SqlVerdict>()));
    lastVerdict = memo.get(sql, () => classifySql(sql, dialect));
    lastKey = sql;
    lastDialect = dialect;
  }
  return lastVerdict;
}

function levelDetector(name: string, level: SqlLevel, dialect: SqlDialect): GradedDetector {
  const test = (text: string): boolean => sqlVerdict(text, dialect).level === level;
  const graded = level === 'danger' ? {} : { level };
  // Linear and judged whole (never windowed: a window boundary would cut a statement in two); over maxSqlLength
  // the verdict is `unparseable` without lexing, and only maxParsedSqlLength characters reach the parser.
  return {
    name,
    group: 'sql',
    linear: true,
    ...graded,
    test,
    find: (text: string): DetectorMatch[] => (test(text) ? [{ start: 0, end: text.length }] : []),
  };
}

/**
 * The SQL detectors for one dialect:
 * - `destructive_sql`: DROP, TRUNCATE, ALTER ... DROP, DELETE or UPDATE without a WHERE or with one that is
 *   always true (`1=1`, `'a'='a'`, `x = x`, `OR 1=1`, `LIKE '%'`), GRANT and REVOKE, role changes, file and
 *   command access (`INTO OUTFILE`, `COPY ... PROGRAM`, `xp_cmdshell`). Comments and case hide nothing; string
 *   literals trigger nothing.
 * - `suspicious_sql`: stacked statements (`...; ...`); at most escalates.
 * - `unparseable_sql`: a statement that can change data but does not parse, or SQL over 64 KiB; the rule's
 *   `onUnparseable` decides (default escalate).
 */
export function sqlDetectorsFor(dialect: SqlDialect): GradedDetector[] {
  let detectors = byDialect.get(dialect);
  if (!detectors) {
    detectors = [
      levelDetector('destructive_sql', 'danger', dialect),
      levelDetector('suspicious_sql', 'suspicious', dialect),
      levelDetector('unparseable_sql', 'unparseable', dialect),
    ];
    byDialect.set(dialect, detectors);
  }
  return detectors;
}

const byDialect = new Map<SqlDialect, GradedDetector[]>();

/** The SQL detectors for PostgreSQL, the default dialect. */
export const sqlDetectors: GradedDetector[] = sqlDetectorsFor('postgresql');
export const destructiveSqlDetector = sqlDetectors[0] as GradedDetector;
