import type { Detector, DetectorMatch } from './detector';
import { mergeOverlapping } from './shell';

const dropOrTruncate = /\bdrop\s+(?:table|database|schema)\b[^;]*|\btruncate\s+(?:table\s+)?[\w."`[\]]+/gi;
const deleteFrom = /\bdelete\s+from\s+[\w."`[\]]+[^;]*/gi;

/**
 * Destructive SQL: `DROP TABLE`, `DROP DATABASE`, `DROP SCHEMA`, `TRUNCATE`, and `DELETE FROM` without a
 * `WHERE` clause in the same statement.
 */
export const destructiveSqlDetector: Detector = {
  name: 'destructive_sql',
  group: 'sql',
  find(text) {
    const matches: DetectorMatch[] = [];
    const drop = dropOrTruncate;
    drop.lastIndex = 0;
    for (let m = drop.exec(text); m !== null; m = drop.exec(text)) {
      matches.push({ start: m.index, end: m.index + m[0].length });
    }
    const del = deleteFrom;
    del.lastIndex = 0;
    for (let m = del.exec(text); m !== null; m = del.exec(text)) {
      if (!/\bwhere\b/i.test(m[0])) matches.push({ start: m.index, end: m.index + m[0].length });
    }
    return mergeOverlapping(matches);
  },
  test(text) {
    return this.find(text).length > 0;
  },
};

/** Every SQL detector. */
export const sqlDetectors: Detector[] = [destructiveSqlDetector];
