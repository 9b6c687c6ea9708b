/**
 * A linear SQL lexer: statements split on `;`, each with its keywords upper-cased, comments dropped. Enough to
 * decide which statements are harmless without parsing them, to find destructive ones even when the full parser
 * does not know the dialect, and (with the tokens) to judge a WHERE clause without a parser (sql-where.ts).
 */

import { readerWork } from './reader-work';

/** One token: a bare word (upper-cased), a quoted identifier, a number, a string literal or a punctuation mark. */
export interface SqlToken {
  kind: 'word' | 'ident' | 'number' | 'string' | 'op';
  /** Upper-cased for words and identifiers, the literal's content for strings, the text of numbers and marks. */
  text: string;
}

/** One statement as a list of upper-cased bare words (keywords and identifiers), in order, and its tokens. */
export interface LexedStatement {
  words: string[];
  /** Every token, up to {@link maxTokensPerStatement}; `truncated` when there were more. */
  tokens: SqlToken[];
  truncated: boolean;
}

/** Tokens kept per statement: a WHERE longer than this is left to the parser (or is unparseable). */
export const maxTokensPerStatement = 4096;

/** Thrown for an unterminated string, quoted identifier or comment. */
export class SqlLexError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'SqlLexError';
  }
}

const maxWordsPerStatement = 64;

/**
 * Splits `sql` into statements of words; empty statements are dropped.
 * @param backslashEscapes - whether `\'` escapes a quote in strings (MySQL, MariaDB); PostgreSQL only in `E'...'`
 * @throws SqlLexError
 */
export function lexSql(sql: string, backslashEscapes = false): LexedStatement[] {
  const statements: LexedStatement[] = [];
  let words: string[] = [];
  let tokens: SqlToken[] = [];
  let truncated = false;
  let i = 0;
  let executableComments = 0;
  const n = sql.length;
  const close = (): void => {
    if (words.length > 0) statements.push({ words, tokens, truncated });
    words = [];
    tokens = [];
    truncated = false;
  };
  const token = (kind: SqlToken['kind'], text: string): void => {
    if (tokens.length < maxTokensPerStatement) tokens.push({ kind, text });
    else truncated = true;
  };
  readerWork.steps += n;
  while (i < n) {
    const c = sql.charCodeAt(i);
    const ch = sql[i] as string;
    if (ch === ';') {
      close();
      i++;
    } else if ((ch === '-' && sql[i + 1] === '-') || ch === '#') {
      const end = sql.indexOf('\n', i);
      readerWork.steps += (end < 0 ? n : end) - i;
      i = end < 0 ? n : end + 1;
    } else if (ch === '/' && sql[i + 1] === '*' && sql[i + 2] === '!') {
      // MySQL runs what a `/*! ... */` (or `/*!50000 ... */`) comment holds: it is read as code.
      i += 3;
      const versionEnd = Math.min(n, i + 6);
      while (i < versionEnd && sql.charCodeAt(i) >= 48 && sql.charCodeAt(i) <= 57) i++;
      executableComments++;
    } else if (executableComments > 0 && ch === '*' && sql[i + 1] === '/') {
      executableComments--;
      i += 2;
    } else if (ch === '/' && sql[i + 1] === '*') {
      i = skipBlockComment(sql, i);
    } else if (ch === "'" || ch === '"' || ch === '`') {
      // Quoted identifiers are kept as words: `"users"` is the table users; strings are dropped.
      const escapes = ch === "'" && (backslashEscapes || /[eE]/.test(sql[i - 1] ?? ''));
      const end = skipQuoted(sql, i, ch, escapes);
      const inner = sql.slice(i + 1, end - 1);
      if (ch === "'") token('string', inner.replaceAll("''", "'"));
      else {
        const name = inner.toUpperCase();
        if (words.length < maxWordsPerStatement) words.push(name);
        token('ident', name);
      }
      i = end;
    } else if (ch === '[') {
      const end = sql.indexOf(']', i);
      readerWork.steps += (end < 0 ? n : end) - i;
      if (end < 0) throw new SqlLexError('unterminated [identifier]');
      const name = sql.slice(i + 1, end).toUpperCase();
      if (words.length < maxWordsPerStatement) words.push(name);
      token('ident', name);
      i = end + 1;
    } else if (ch === '$' && matchAt(dollarTag, sql, i)) {
      const tag = sql.slice(i, dollarTag.lastIndex);
      const end = sql.indexOf(tag, i + tag.length);
      readerWork.steps += (end < 0 ? n : end) - i;
      if (end < 0) throw new SqlLexError(`unterminated ${tag} string`);
      token('string', sql.slice(i + tag.length, end));
      i = end + tag.length;
    } else if (c >= 48 && c <= 57) {
      // `1e5` and `1.5` are numbers; `1abc` (a MySQL identifier) is a word. The word's end is looked for only
      // when it is not a number: scanning it for every number (`1111...`) went over the rest of the run each time.
      const number = matchAt(numberPattern, sql, i);
      if (number) readerWork.steps += numberPattern.lastIndex - i;
      const j = number ? numberPattern.lastIndex : wordEnd(sql, i + 1);
      const text = sql.slice(i, j).toUpperCase();
      if (words.length < maxWordsPerStatement) words.push(text);
      token(number ? 'number' : 'word', text);
      i = j;
    } else if (isWordChar(c)) {
      const j = wordEnd(sql, i + 1);
      const word = sql.slice(i, j).toUpperCase();
      if (words.length < maxWordsPerStatement) words.push(word);
      token('word', word);
      i = j;
    } else if (c === 32 || c === 9 || c === 10 || c === 13) {
      i++;
    } else {
      const op = twoCharOps.has(c * 128 + sql.charCodeAt(i + 1)) ? sql.slice(i, i + 2) : ch;
      token('op', op);
      i += op.length;
    }
  }
  close();
  return statements;
}

// The marks lexed as one operator, as `first * 128 + second` of their character codes.
const twoCharOps = new Set(
  ['<=', '>=', '<>', '!=', '||', '&&', '::', '=='].map((op) => op.charCodeAt(0) * 128 + op.charCodeAt(1)),
);
// Sticky: matched at a position of the whole text, without a slice per attempt. A tag is at most 64 characters.
const dollarTag = /\$[A-Za-z_]{0,62}\$/y;
const numberPattern = /(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_\d])/y;

/** Whether the sticky `pattern` matches `text` at `at`; its `lastIndex` is then the match's end. */
function matchAt(pattern: RegExp, text: string, at: number): boolean {
  pattern.lastIndex = at;
  return pattern.test(text);
}

function wordEnd(sql: string, from: number): number {
  let j = from;
  while (j < sql.length && isWordChar(sql.charCodeAt(j))) j++;
  readerWork.steps += j - from;
  return j;
}

function isWordChar(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 95 || c > 127;
}

function skipBlockComment(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  readerWork.steps += 1;
  while (i < sql.length) {
    readerWork.steps++;
    if (sql[i] === '/' && sql[i + 1] === '*') {
      depth++;
      i += 2;
    } else if (sql[i] === '*' && sql[i + 1] === '/') {
      i += 2;
      if (--depth === 0) return i;
    } else i++;
  }
  throw new SqlLexError('unterminated /* comment');
}

function skipQuoted(sql: string, start: number, quote: string, backslashes: boolean): number {
  let i = start + 1;
  while (i < sql.length) {
    readerWork.steps++;
    const ch = sql[i];
    if (backslashes && ch === '\\') {
      i += 2;
      continue;
    }
    if (ch === quote) {
      if (sql[i + 1] === quote) {
        i += 2;
        continue;
      }
      return i + 1;
    }
    i++;
  }
  throw new SqlLexError(`unterminated ${quote} quote`);
}
