import { Parser } from 'node-sql-parser';

import { lexSql, SqlLexError, type LexedStatement } from './sql-lex';
import { judgeWhere, type WhereVerdict } from './sql-where';

/** SQL dialects a rule may name (`dialect:`), as node-sql-parser calls them. */
export const sqlDialects = [
  'postgresql',
  'mysql',
  'mariadb',
  'sqlite',
  'transactsql',
  'bigquery',
  'snowflake',
  'redshift',
] as const;
/** One of {@link sqlDialects}. */
export type SqlDialect = (typeof sqlDialects)[number];

/** The verdict on one string of SQL: the worst level found and why. */
export interface SqlVerdict {
  level?: 'danger' | 'suspicious' | 'unparseable';
  reasons: string[];
}

/** Longer SQL is not even lexed: the rule's `onUnparseable` choice applies. */
export const maxSqlLength = 64 * 1024;
/**
 * Longer SQL is judged by the lexer alone (DROP, TRUNCATE, GRANT, DELETE/UPDATE without WHERE are still found;
 * a WHERE it cannot judge is unparseable): node-sql-parser takes about 45 ms on 2 KiB of OR chains, 160 ms on 4 KiB.
 */
export const maxParsedSqlLength = 2048;

// Words that read or write files or run commands outside the database.
const fileAccess = new Set([
  'OUTFILE',
  'DUMPFILE',
  'XP_CMDSHELL',
  'LOAD_FILE',
  'PG_READ_FILE',
  'PG_READ_BINARY_FILE',
  'LO_IMPORT',
  'LO_EXPORT',
  'INFILE',
  // SQL Server's ad-hoc reads of files and remote sources.
  'OPENROWSET',
  'OPENDATASOURCE',
]);
// Words that can change data, schema or privileges, or reach the file system; SQL without them is only read.
const riskyWords = new Set([
  'DROP',
  'TRUNCATE',
  'DELETE',
  'UPDATE',
  'ALTER',
  'GRANT',
  'REVOKE',
  'RENAME',
  'MERGE',
  'CREATE',
  'COPY',
  'OVERWRITE',
  ...fileAccess,
  'PG_TERMINATE_BACKEND',
  'SHUTDOWN',
  'EXEC',
  'EXECUTE',
  'REPLACE',
  'DETACH',
  'ATTACH',
  'VACUUM',
  'PRAGMA',
  'KILL',
  'SET',
  'LOAD',
  'DO',
]);

// Object kinds after DROP in the supported dialects (PostgreSQL, MySQL/MariaDB, SQLite, T-SQL, BigQuery, Snowflake,
// Redshift): `DROP` followed by anything else is prose ("drop the table near the window").
const droppable = new RegExp(
  `^(?:${[
    'TABLE|DATABASE|SCHEMA|INDEX|VIEW|USER|ROLE|FUNCTION|PROCEDURE|TRIGGER|SEQUENCE|TYPE|EXTENSION|MATERIALIZED',
    'TEMPORARY|TEMP|IF|OWNED|COLUMN|TABLESPACE|POLICY|COLLECTION|KEYSPACE|EVENT|SERVER|DOMAIN|WAREHOUSE|STAGE',
    'STREAM|TASK|PIPE|SHARE|FILE|INTEGRATION|NETWORK|MASKING|ROW|EXTERNAL|FOREIGN|DYNAMIC|ICEBERG|TRANSIENT|SECURE',
    'RULE|CAST|AGGREGATE|OPERATOR|LANGUAGE|PUBLICATION|SUBSCRIPTION|STATISTICS|CONVERSION|ACCESS|TEXT|MODEL',
    'SNAPSHOT|SYNONYM|PACKAGE|ASSEMBLY|LOGIN|CERTIFICATE|PARTITION|CONSTRAINT|CATALOG|CONNECTION|ALIAS|RESOURCE',
    'LIBRARY|DATASHARE|GROUP|ALERT|NOTIFICATION|REPLICATION|FAILOVER|SESSION|APPLICATION|CAPABILITY|ORGANIZATION',
  ].join('|')})$`,
);
const parser = new Parser();
const rank = { unparseable: 1, suspicious: 2, danger: 3 } as const;

function raise(verdict: SqlVerdict, level: NonNullable<SqlVerdict['level']>, reason: string): void {
  if (verdict.reasons.length < 8 && !verdict.reasons.includes(reason)) verdict.reasons.push(reason);
  if (verdict.level === undefined || rank[level] > rank[verdict.level]) verdict.level = level;
}

/**
 * Classifies SQL text. Statements with no word that can change anything are read-only and are not parsed;
 * the others are parsed with node-sql-parser in the given dialect and judged on the syntax tree.
 */
export function classifySql(sql: string, dialect: SqlDialect = 'postgresql'): SqlVerdict {
  const verdict = classifyAscii(sql, dialect);
  // Compatibility forms (full-width `ＤＲＯＰ`, ligatures) are not SQL keywords to the server, but a tool or proxy on
  // the way may normalise them: a text that spells a risky statement once normalised cannot be judged as written.
  if (verdict.level === undefined && sql.length <= maxSqlLength && hasNonAscii(sql)) {
    const normalised = sql.normalize('NFKC');
    if (normalised !== sql && classifyAscii(normalised, dialect).level !== undefined) {
      raise(verdict, 'unparseable', 'non-ASCII letters that normalise to a risky statement');
    }
  }
  return verdict;
}

function hasNonAscii(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (text.charCodeAt(i) > 127) return true;
  return false;
}

function classifyAscii(sql: string, dialect: SqlDialect): SqlVerdict {
  const verdict: SqlVerdict = { reasons: [] };
  if (sql.length > maxSqlLength) {
    raise(verdict, 'unparseable', 'SQL too long to parse');
    return verdict;
  }
  let statements: LexedStatement[];
  try {
    statements = lexSql(sql, dialect === 'mysql' || dialect === 'mariadb' || dialect === 'bigquery');
  } catch (error) {
    if (!(error instanceof SqlLexError)) throw error;
    raise(verdict, 'unparseable', `does not parse: ${error.message}`);
    return verdict;
  }
  // A transaction block (BEGIN ... COMMIT) exists to run several statements; each is still judged on its own.
  const transaction =
    /^(?:BEGIN|START)$/.test(statements[0]?.words[0] ?? '') &&
    /^(?:COMMIT|END)$/.test(statements[statements.length - 1]?.words[0] ?? '');
  if (statements.length > 1 && !transaction) raise(verdict, 'suspicious', `${statements.length} stacked statements`);
  if (!statements.some((s) => s.words.some((w) => riskyWords.has(w)))) return verdict;
  const logicalPipes = dialect === 'mysql' || dialect === 'mariadb';
  const wheres = statements.map((s) => whereOf(s, logicalPipes));
  let asts: unknown[] | undefined;
  // The parser costs about 150 us a statement: it runs only where the token reader could not judge a WHERE.
  const needsParser = wheres.includes('unknown');
  if (needsParser && sql.length <= maxParsedSqlLength)
    try {
      const ast: unknown = parser.astify(sql, { database: dialect });
      asts = Array.isArray(ast) ? ast : [ast];
    } catch {
      asts = undefined;
    }
  if (asts) for (const ast of asts) judgeAst(ast as Ast, verdict);
  statements.forEach((statement, i) => {
    const where = wheres[i];
    if (where === 'always') {
      const what = statement.words.find((w) => w === 'DELETE' || w === 'UPDATE') ?? '';
      raise(verdict, 'danger', `${what} with a WHERE that is always true`);
    }
    judgeLexed(statement, where, asts !== undefined, verdict);
  });
  return verdict;
}

/**
 * The WHERE of a DELETE or UPDATE as the token reader judges it; MERGE always goes to the parser.
 * @returns undefined for statements of other kinds
 */
function whereOf(statement: LexedStatement, logicalPipes: boolean): WhereVerdict | undefined {
  if (statement.words.includes('MERGE') && statement.words.includes('WHERE')) return 'unknown';
  return judgeWhere(statement, logicalPipes);
}

interface Ast {
  type?: string;
  keyword?: string;
  where?: Expr | null;
  expr?: { action?: string; resource?: string }[] | Expr;
  table?: { table?: string }[];
  name?: unknown;
}

interface Expr {
  type?: string;
  operator?: string;
  value?: unknown;
  left?: Expr;
  right?: Expr;
  expr?: Expr;
  table?: string | null;
  column?: unknown;
}

function judgeAst(ast: Ast, verdict: SqlVerdict): void {
  const type = ast.type;
  if (type === 'drop') raise(verdict, 'danger', `DROP ${String(ast.keyword ?? '').toUpperCase()}`.trim());
  else if (type === 'truncate') raise(verdict, 'danger', 'TRUNCATE');
  else if (type === 'grant' || type === 'revoke') raise(verdict, 'danger', `privilege change (${type.toUpperCase()})`);
  else if (type === 'alter') {
    const actions = Array.isArray(ast.expr) ? ast.expr : [];
    if (actions.some((a) => a.action === 'drop')) raise(verdict, 'danger', 'ALTER ... DROP');
  } else if (type === 'delete' || type === 'update') {
    const what = type.toUpperCase();
    if (!ast.where) raise(verdict, 'danger', `${what} without WHERE`);
    else if (truth(ast.where) === true) raise(verdict, 'danger', `${what} with a WHERE that is always true`);
  }
}

/**
 * Judgements the parser's tree does not carry, or a fallback when the dialect's parser refused the text.
 * @param where - the token reader's verdict on a DELETE or UPDATE's WHERE
 * @param parsed - whether node-sql-parser read the whole text
 */
function judgeLexed(
  statement: LexedStatement,
  where: WhereVerdict | undefined,
  parsed: boolean,
  verdict: SqlVerdict,
): void {
  const words = statement.words;
  // The statement a WITH wraps: a CTE's SELECT comes first in the words, so a data change anywhere counts first.
  const first =
    words[0] === 'WITH'
      ? (words.find((w) => w === 'DELETE' || w === 'UPDATE' || w === 'MERGE') ??
        words.find((w) => w === 'SELECT' || w === 'INSERT'))
      : words[0];
  const has = (w: string): boolean => words.includes(w);
  for (const w of words) if (fileAccess.has(w)) raise(verdict, 'danger', `file or command access (${w})`);
  if (first === 'COPY' && has('PROGRAM')) raise(verdict, 'danger', 'COPY ... PROGRAM runs a command');
  if ((first === 'ALTER' || first === 'CREATE') && (has('USER') || has('ROLE') || has('LOGIN'))) {
    if (has('SUPERUSER') || has('ADMIN') || has('BYPASSRLS') || has('PASSWORD') || first === 'CREATE') {
      raise(verdict, 'danger', `privilege change (${first} ${has('ROLE') ? 'ROLE' : 'USER'})`);
    }
  }
  if (first === 'SHUTDOWN' || (first === 'SELECT' && has('PG_TERMINATE_BACKEND')))
    raise(verdict, 'danger', 'stops the server or its sessions');
  if (
    first === 'COPY' &&
    statement.tokens.some((t, i) => t.kind === 'string' && /^(?:TO|FROM)$/.test(statement.tokens[i - 1]?.text ?? ''))
  )
    raise(verdict, 'danger', 'COPY reads or writes a server file');
  // Code whose statements are only known at run time: dynamic SQL, stored procedures, procedural blocks.
  if (first === 'EXEC' || first === 'EXECUTE' || first === 'DO')
    raise(verdict, 'suspicious', `${first} runs code the guard cannot read`);
  if (first === 'MERGE' && has('DELETE')) raise(verdict, 'suspicious', 'MERGE deletes matched rows');
  // Functions that run native or untrusted code inside the server: a shared library (MySQL's SONAME), or an
  // untrusted procedural language (plpython3u, plperlu, C).
  if (
    first === 'CREATE' &&
    (has('FUNCTION') || has('PROCEDURE')) &&
    (has('SONAME') || words.some((w, i) => words[i - 1] === 'LANGUAGE' && /^(?:PL\w*U|PLSH|C)$/.test(w)))
  )
    raise(verdict, 'danger', 'creates a function that runs native or untrusted code');
  // Statements that replace a whole table's rows: CREATE OR REPLACE TABLE, INSERT OVERWRITE without a partition.
  if (first === 'CREATE' && has('REPLACE') && has('TABLE')) raise(verdict, 'suspicious', 'replaces a whole table');
  if (first === 'INSERT' && has('OVERWRITE') && !has('PARTITION'))
    raise(verdict, 'suspicious', 'INSERT OVERWRITE replaces a whole table');
  // ClickHouse's mutations (`ALTER TABLE t DELETE WHERE ...`) rewrite data; `ON DELETE` of a foreign key does not.
  if (first === 'ALTER' && words.some((w, i) => (w === 'DELETE' || w === 'UPDATE') && words[i - 1] !== 'ON'))
    raise(verdict, 'suspicious', 'ALTER TABLE ... DELETE or UPDATE rewrites rows');
  if (first === 'RENAME' || (first === 'ALTER' && has('RENAME')))
    raise(verdict, 'suspicious', 'renames a table or database that applications use');
  // Statement kinds the lexer is sure of are judged even when the parser agreed: where the two split statements
  // differently (backslash escapes), the lexer's split is the one that can hide a DROP.
  if ((first === 'DROP' && droppable.test(words[1] ?? '')) || (first === 'TRUNCATE' && words.length > 1)) {
    raise(verdict, 'danger', first);
  } else if (first === 'GRANT' || first === 'REVOKE') raise(verdict, 'danger', `privilege change (${first})`);
  else if (first === 'ALTER' && has('DROP')) raise(verdict, 'danger', 'ALTER ... DROP');
  else if ((first === 'DELETE' || first === 'UPDATE') && (where === 'none' || (where === undefined && !has('WHERE')))) {
    raise(verdict, 'danger', `${first} without WHERE`);
  } else if ((parsed && where !== 'broken') || (where !== 'unknown' && where !== 'broken')) return;
  // A SELECT or INSERT the parser refused (`FOR UPDATE`, `ON CONFLICT DO UPDATE`) cannot drop or rewrite a table.
  else if (first !== undefined && riskyWords.has(first) && first !== 'SET') {
    raise(verdict, 'unparseable', `the ${first ?? ''} statement does not parse`);
  }
}

/** Whether an expression is true (or false) for every row; undefined when it depends on the row. */
function truth(expr: Expr | undefined): boolean | undefined {
  const value = constant(expr);
  if (value !== undefined)
    return value === null
      ? false
      : Boolean(typeof value === 'string' ? Number(value) || value === 't' || value === 'true' : value);
  if (!expr) return undefined;
  const op = expr.operator?.toUpperCase();
  if (expr.type === 'binary_expr') {
    if (op === 'OR' || op === '||') {
      const l = truth(expr.left);
      const r = truth(expr.right);
      return l === true || r === true ? true : l === false && r === false ? false : undefined;
    }
    if (op === 'AND' || op === '&&') {
      const l = truth(expr.left);
      const r = truth(expr.right);
      return l === true && r === true ? true : l === false || r === false ? false : undefined;
    }
    if (sameColumn(expr.left, expr.right) && (op === '=' || op === '>=' || op === '<=' || op === 'IS' || op === 'LIKE'))
      return true;
    if ((op === 'LIKE' || op === 'ILIKE') && isColumn(expr.left) && constant(expr.right) === '%') return true;
    if (
      op === 'IS NOT' &&
      isColumn(expr.left) === false &&
      constant(expr.right) === null &&
      constant(expr.left) !== undefined
    )
      return true;
  }
  if (expr.type === 'unary_expr' && op === 'NOT') {
    const inner = truth(expr.expr);
    return inner === undefined ? undefined : !inner;
  }
  return undefined;
}

/** The value of a constant expression (literals and comparisons of literals); undefined when not constant. */
function constant(expr: Expr | undefined): unknown {
  if (!expr) return undefined;
  switch (expr.type) {
    case 'number':
      return Number(expr.value);
    case 'bool':
      return Boolean(expr.value);
    case 'null':
      return null;
    case 'single_quote_string':
    case 'string':
    case 'double_quote_string':
      return String(expr.value);
    case 'binary_expr': {
      const op = expr.operator?.toUpperCase();
      const l = constant(expr.left);
      const r = constant(expr.right);
      if (l === undefined || r === undefined) return undefined;
      switch (op) {
        case '=':
          return l == r; // SQL compares '1' = 1 as equal
        case '!=':
        case '<>':
          return l != r;
        case '<':
          return (l as number) < (r as number);
        case '>':
          return (l as number) > (r as number);
        case '<=':
          return (l as number) <= (r as number);
        case '>=':
          return (l as number) >= (r as number);
        case 'IS':
          return l === r;
        case 'IS NOT':
          return l !== r;
        case 'OR':
          return Boolean(l) || Boolean(r);
        case 'AND':
          return Boolean(l) && Boolean(r);
        case 'LIKE':
          return typeof l === 'string' && typeof r === 'string' && (r === '%' || l === r);
        default:
          return undefined;
      }
    }
    default:
      return undefined;
  }
}

function isColumn(expr: Expr | undefined): boolean {
  return expr?.type === 'column_ref';
}

function sameColumn(a: Expr | undefined, b: Expr | undefined): boolean {
  return (
    isColumn(a) &&
    isColumn(b) &&
    JSON.stringify(a?.column) === JSON.stringify(b?.column) &&
    (a?.table ?? null) === (b?.table ?? null)
  );
}
