/**
 * Judges the WHERE clause of a DELETE or UPDATE over the lexer's tokens, without a parser: whether it is missing,
 * always true (`1=1`, `'a'='a'`, `id = id`, `x LIKE '%'`, `2-1 = 1`, `OR TRUE`, `c IS NULL OR c IS NOT NULL`),
 * or depends on the row. What it cannot read (an unusual construct, a clause cut off by the token cap) is
 * `unknown`, and the caller falls back to node-sql-parser. Linear: one pass over the tokens, nesting bounded.
 */
import { readerWork } from './reader-work';
import type { LexedStatement, SqlToken } from './sql-lex';

/**
 * What a DELETE or UPDATE's WHERE does to the rows it touches; `unknown` needs the parser, `broken` (unbalanced
 * parentheses) cannot parse at all and is not handed to it (node-sql-parser takes milliseconds to fail).
 */
export type WhereVerdict = 'none' | 'always' | 'restrictive' | 'unknown' | 'broken';

/** An expression as far as truth goes: a constant, a column, or something that depends on the row. */
type Expr =
  | { kind: 'const'; value: unknown }
  | { kind: 'column'; name: string }
  | { kind: 'row' }
  | { kind: 'or' | 'and'; left: Expr; right: Expr }
  | { kind: 'not'; expr: Expr }
  | { kind: 'compare'; op: string; left: Expr; right: Expr }
  | { kind: 'null-test'; negated: boolean; expr: Expr };

class Unreadable extends Error {}
const unreadable = new Unreadable();
// Each parenthesis costs about six levels: this allows some thirty nested parentheses.
const maxDepth = 200;
const multiplicative = ['*', '/', '%'];
const additive = ['+', '-'];
const additiveOrConcat = ['+', '-', '||'];
const clauseEnd = new Set(['RETURNING', 'ORDER', 'LIMIT', 'OFFSET', 'FETCH', 'OPTION', 'GROUP']);

/**
 * The verdict on the statement's top-level WHERE, when its first word (after a WITH list) is DELETE or UPDATE.
 * @param logicalPipes - whether `||` and `&&` are OR and AND (MySQL, MariaDB) rather than concatenation
 * @returns undefined when the statement is neither DELETE nor UPDATE
 */
export function judgeWhere(statement: LexedStatement, logicalPipes: boolean): WhereVerdict | undefined {
  const tokens = statement.tokens;
  const start = mainKeyword(tokens);
  if (start === undefined) return undefined;
  let where = -1;
  let depth = 0;
  let end = tokens.length;
  for (let i = start + 1; i < tokens.length; i++) {
    const t = tokens[i] as SqlToken;
    if (t.kind === 'op' && t.text === '(') depth++;
    else if (t.kind === 'op' && t.text === ')') depth--;
    else if (depth === 0 && t.kind === 'word') {
      if (where < 0 && t.text === 'WHERE') where = i;
      else if (where >= 0 && clauseEnd.has(t.text)) {
        end = i;
        break;
      }
    }
  }
  readerWork.steps += end - start;
  if (where < 0) return statement.truncated ? 'unknown' : 'none';
  if (depth !== 0 && end === tokens.length && !statement.truncated) return 'broken';
  if (statement.truncated && end === tokens.length) return 'unknown';
  try {
    const reader = new Reader(tokens, where + 1, end, logicalPipes);
    const expr = reader.expression(0);
    if (reader.pos !== end) return 'unknown';
    return truth(expr) === true ? 'always' : 'restrictive';
  } catch (error) {
    if (error === unreadable) return 'unknown';
    throw error;
  }
}

/** The index of the DELETE or UPDATE that the statement runs (after `WITH name AS (...), ...`). */
function mainKeyword(tokens: SqlToken[]): number | undefined {
  let i = 0;
  if (tokens[0]?.kind === 'word' && tokens[0].text === 'WITH') {
    let depth = 0;
    for (i = 1; i < tokens.length; i++) {
      const t = tokens[i] as SqlToken;
      if (t.kind === 'op' && t.text === '(') depth++;
      else if (t.kind === 'op' && t.text === ')') depth--;
      else if (depth === 0 && t.kind === 'word' && /^(?:DELETE|UPDATE|SELECT|INSERT)$/.test(t.text)) break;
    }
    readerWork.steps += i;
  }
  const t = tokens[i];
  return t?.kind === 'word' && (t.text === 'DELETE' || t.text === 'UPDATE') ? i : undefined;
}

/** Precedence climbing over the tokens of one clause: OR < AND < NOT < comparison < + - || < * / %. */
class Reader {
  pos: number;
  private depth = 0;

  constructor(
    private readonly tokens: SqlToken[],
    start: number,
    private readonly end: number,
    private readonly logicalPipes: boolean,
  ) {
    this.pos = start;
  }

  private peek(offset = 0): SqlToken | undefined {
    return this.pos + offset < this.end ? this.tokens[this.pos + offset] : undefined;
  }

  private isWord(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'word' && t.text === text;
  }

  private isOp(text: string, offset = 0): boolean {
    const t = this.peek(offset);
    return t?.kind === 'op' && t.text === text;
  }

  private take(): SqlToken {
    const t = this.peek();
    if (!t) throw unreadable;
    readerWork.steps++;
    this.pos++;
    return t;
  }

  private expect(op: string): void {
    if (!this.isOp(op)) throw unreadable;
    this.pos++;
  }

  /** level 0: OR, 1: AND, 2: NOT, 3: comparison, 4: additive, 5: multiplicative. */
  expression(level: number): Expr {
    readerWork.steps++;
    if (++this.depth > maxDepth) throw unreadable;
    const expr = this.level(level);
    this.depth--;
    return expr;
  }

  private level(level: number): Expr {
    if (level === 0 || level === 1) {
      const word = level === 0 ? 'OR' : 'AND';
      const op = level === 0 ? '||' : '&&';
      let left = this.expression(level + 1);
      while (this.isWord(word) || (this.logicalPipes && this.isOp(op))) {
        this.pos++;
        left = { kind: level === 0 ? 'or' : 'and', left, right: this.expression(level + 1) };
      }
      return left;
    }
    if (level === 2) {
      if (this.isWord('NOT') || this.isOp('!')) {
        this.pos++;
        return { kind: 'not', expr: this.expression(2) };
      }
      return this.expression(3);
    }
    if (level === 3) return this.comparison();
    const ops = level === 5 ? multiplicative : this.logicalPipes ? additive : additiveOrConcat;
    let left = level === 4 ? this.expression(5) : this.unary();
    while (ops.some((op) => this.isOp(op))) {
      const op = this.take().text;
      const right = level === 4 ? this.expression(5) : this.unary();
      left = arithmetic(op, left, right);
    }
    return left;
  }

  private comparison(): Expr {
    const left = this.expression(4);
    const t = this.peek();
    if (!t) return left;
    if (t.kind === 'op' && /^(?:=|==|!=|<>|<|>|<=|>=)$/.test(t.text)) {
      this.pos++;
      const op = t.text === '==' ? '=' : t.text === '!=' ? '<>' : t.text;
      return { kind: 'compare', op, left, right: this.expression(4) };
    }
    if (t.kind !== 'word') return left;
    if (t.text === 'IS') {
      this.pos++;
      const negated = this.isWord('NOT');
      if (negated) this.pos++;
      const what = this.take();
      if (what.kind === 'word' && what.text === 'NULL') return { kind: 'null-test', negated, expr: left };
      if (what.kind === 'word' && (what.text === 'TRUE' || what.text === 'FALSE')) {
        const test: Expr = { kind: 'compare', op: '=', left, right: { kind: 'const', value: what.text === 'TRUE' } };
        return negated ? { kind: 'not', expr: test } : test;
      }
      if (what.kind === 'word' && what.text === 'DISTINCT' && this.isWord('FROM')) {
        this.pos++;
        const right = this.expression(4);
        const same: Expr = { kind: 'compare', op: 'IS', left, right };
        return negated ? same : { kind: 'not', expr: same };
      }
      throw unreadable;
    }
    const negated =
      t.text === 'NOT' && /^(?:LIKE|ILIKE|IN|BETWEEN|SIMILAR|REGEXP|RLIKE|GLOB)$/.test(this.peek(1)?.text ?? '');
    if (negated) this.pos++;
    const word = this.peek()?.text ?? '';
    let result: Expr;
    if (word === 'LIKE' || word === 'ILIKE') {
      this.pos++;
      result = { kind: 'compare', op: 'LIKE', left, right: this.expression(4) };
      if (this.isWord('ESCAPE')) {
        this.pos++;
        this.expression(4);
      }
    } else if (word === 'IN') {
      this.pos++;
      result = this.inList(left);
    } else if (word === 'BETWEEN') {
      this.pos++;
      if (this.isWord('SYMMETRIC') || this.isWord('ASYMMETRIC')) this.pos++;
      const low = this.expression(4);
      if (!this.isWord('AND')) throw unreadable;
      this.pos++;
      const high = this.expression(4);
      result = {
        kind: 'and',
        left: { kind: 'compare', op: '>=', left, right: low },
        right: { kind: 'compare', op: '<=', left, right: high },
      };
    } else if (/^(?:SIMILAR|REGEXP|RLIKE|GLOB)$/.test(word)) {
      this.pos++;
      if (word === 'SIMILAR') {
        if (!this.isWord('TO')) throw unreadable;
        this.pos++;
      }
      this.expression(4);
      result = { kind: 'row' };
    } else {
      if (negated) throw unreadable;
      return left;
    }
    return negated ? { kind: 'not', expr: result } : result;
  }

  /** `x IN (a, b, ...)` as `x = a OR x = b ...`; `x IN (SELECT ...)` depends on the rows. */
  private inList(left: Expr): Expr {
    this.expect('(');
    if (this.isWord('SELECT') || this.isWord('WITH') || this.isWord('VALUES')) {
      this.skipBalanced();
      return { kind: 'row' };
    }
    let result: Expr | undefined;
    for (;;) {
      const item: Expr = { kind: 'compare', op: '=', left, right: this.expression(0) };
      result = result ? { kind: 'or', left: result, right: item } : item;
      if (this.isOp(',')) {
        this.pos++;
        continue;
      }
      this.expect(')');
      return result;
    }
  }

  private unary(): Expr {
    if (this.isOp('-') || this.isOp('+')) {
      const sign = this.take().text;
      if (++this.depth > maxDepth) throw unreadable;
      const inner = this.unary();
      this.depth--;
      return sign === '-' ? arithmetic('-', { kind: 'const', value: 0 }, inner) : inner;
    }
    let expr = this.primary();
    // A cast (`1::int`, `'t'::boolean`) keeps the value as far as truth goes.
    while (this.isOp('::')) {
      this.pos++;
      this.typeName();
      expr = castOf(expr);
    }
    return expr;
  }

  private typeName(): void {
    const t = this.take();
    if (t.kind !== 'word' && t.kind !== 'ident') throw unreadable;
    while (
      this.peek()?.kind === 'word' &&
      /^(?:PRECISION|VARYING|WITH|WITHOUT|TIME|ZONE)$/.test(this.peek()?.text ?? '')
    )
      this.pos++;
    if (this.isOp('(')) this.skipBalanced(true);
    if (this.isOp('[')) throw unreadable;
  }

  private primary(): Expr {
    const t = this.take();
    switch (t.kind) {
      case 'number':
        return { kind: 'const', value: Number(t.text) };
      case 'string':
        return { kind: 'const', value: t.text };
      case 'ident':
        return this.columnRest(t.text);
      case 'op':
        if (t.text === '(') {
          if (this.isWord('SELECT') || this.isWord('WITH') || this.isWord('VALUES')) {
            this.skipBalanced();
            return { kind: 'row' };
          }
          const inner = this.expression(0);
          if (this.isOp(',')) throw unreadable;
          this.expect(')');
          return inner;
        }
        // Parameters: `$1`, `?`, `:name`, `@var` are fixed for the statement but unknown here.
        if (t.text === '?') return { kind: 'row' };
        if ((t.text === '$' || t.text === ':' || t.text === '@') && this.peek()?.kind !== 'op') {
          this.pos++;
          return { kind: 'row' };
        }
        throw unreadable;
      case 'word':
        return this.word(t.text);
    }
  }

  private word(text: string): Expr {
    if (text === 'TRUE' || text === 'FALSE') return { kind: 'const', value: text === 'TRUE' };
    if (text === 'NULL') return { kind: 'const', value: null };
    if (text === 'CASE' || text === 'EXISTS' || text === 'ANY' || text === 'ALL' || text === 'SOME') {
      if (text === 'CASE') this.skipCase();
      else {
        this.expect('(');
        this.skipBalanced();
      }
      return { kind: 'row' };
    }
    if (text === 'CAST' && this.isOp('(')) {
      this.pos++;
      const inner = this.expression(0);
      if (!this.isWord('AS')) throw unreadable;
      this.pos++;
      this.typeName();
      this.expect(')');
      return castOf(inner);
    }
    if (/^(?:AND|OR|NOT|WHERE|SELECT|FROM|SET|IS|IN|LIKE|BETWEEN)$/.test(text)) throw unreadable;
    // A typed literal (`DATE '2024-01-01'`, `INTERVAL '1 day'`) is a constant we need not know.
    if (this.peek()?.kind === 'string' && /^(?:DATE|TIME|TIMESTAMP|INTERVAL|X|B|N|E|U&)$/.test(text)) {
      this.pos++;
      return { kind: 'row' };
    }
    if (this.isOp('(')) {
      // A function call: its value depends on its arguments and the row (now(), lower(name), random()).
      this.pos++;
      this.skipBalanced();
      return { kind: 'row' };
    }
    return this.columnRest(text);
  }

  private columnRest(first: string): Expr {
    let name = first;
    while (this.isOp('.') && (this.peek(1)?.kind === 'word' || this.peek(1)?.kind === 'ident')) {
      name += '.' + (this.peek(1) as SqlToken).text;
      this.pos += 2;
    }
    if (this.isOp('(')) throw unreadable;
    return { kind: 'column', name };
  }

  /** Skips to the `)` that closes an already opened `(`, leaving `pos` after it. */
  private skipBalanced(opening = false): void {
    if (opening) this.expect('(');
    let depth = 1;
    while (depth > 0) {
      const t = this.take();
      if (t.kind === 'op' && t.text === '(') depth++;
      else if (t.kind === 'op' && t.text === ')') depth--;
    }
  }

  private skipCase(): void {
    let depth = 1;
    while (depth > 0) {
      const t = this.take();
      if (t.kind === 'word' && t.text === 'CASE') depth++;
      else if (t.kind === 'word' && t.text === 'END') depth--;
    }
  }
}

function castOf(expr: Expr): Expr {
  return expr.kind === 'const' || expr.kind === 'column' ? expr : { kind: 'row' };
}

/** Folds arithmetic on constants (`2-1`, `'a'||'b'`); anything with a column in it depends on the row. */
function arithmetic(op: string, left: Expr, right: Expr): Expr {
  if (left.kind !== 'const' || right.kind !== 'const') return { kind: 'row' };
  const l = left.value;
  const r = right.value;
  if (l === null || r === null) return { kind: 'const', value: null };
  if (op === '||') return { kind: 'const', value: String(l as string) + String(r as string) };
  const a = Number(l);
  const b = Number(r);
  if (Number.isNaN(a) || Number.isNaN(b)) return { kind: 'row' };
  const value = op === '+' ? a + b : op === '-' ? a - b : op === '*' ? a * b : op === '/' ? a / b : a % b;
  return Number.isFinite(value) ? { kind: 'const', value } : { kind: 'row' };
}

/** Whether an expression is true (or false) for every row; undefined when it depends on the row. */
function truth(expr: Expr): boolean | undefined {
  switch (expr.kind) {
    case 'const':
      return expr.value === null ? false : truthy(expr.value);
    case 'or': {
      const l = truth(expr.left);
      const r = truth(expr.right);
      if (l === true || r === true || complementary(expr.left, expr.right)) return true;
      return l === false && r === false ? false : undefined;
    }
    case 'and': {
      const l = truth(expr.left);
      const r = truth(expr.right);
      return l === true && r === true ? true : l === false || r === false ? false : undefined;
    }
    case 'not': {
      const inner = truth(expr.expr);
      return inner === undefined ? undefined : !inner;
    }
    case 'null-test': {
      if (expr.expr.kind !== 'const') return undefined;
      return (expr.expr.value === null) !== expr.negated;
    }
    case 'compare':
      return compareTruth(expr.op, expr.left, expr.right);
    default:
      return undefined;
  }
}

function truthy(value: unknown): boolean {
  if (typeof value === 'string') return Boolean(Number(value)) || value === 't' || value === 'true';
  return Boolean(value);
}

/** `c IS NULL OR c IS NOT NULL`: one side is the negation of the other. */
function complementary(a: Expr, b: Expr): boolean {
  return (
    a.kind === 'null-test' &&
    b.kind === 'null-test' &&
    a.negated !== b.negated &&
    a.expr.kind === 'column' &&
    b.expr.kind === 'column' &&
    a.expr.name === b.expr.name
  );
}

function compareTruth(op: string, left: Expr, right: Expr): boolean | undefined {
  if (left.kind === 'column' && right.kind === 'column' && left.name === right.name) {
    return op === '=' || op === '>=' || op === '<=' || op === 'IS' || op === 'LIKE' ? true : undefined;
  }
  if (op === 'LIKE' && left.kind === 'column' && right.kind === 'const' && right.value === '%') return true;
  if (left.kind !== 'const' || right.kind !== 'const') return undefined;
  const l = left.value;
  const r = right.value;
  if (op === 'IS') return l === r || (l !== null && r !== null && l == r);
  if (l === null || r === null) return false;
  if (op === 'LIKE') return typeof l === 'string' && typeof r === 'string' ? likeMatches(l, r) : undefined;
  // SQL compares '1' = 1 as equal; strings with strings as text.
  const bothText = typeof l === 'string' && typeof r === 'string';
  const a = bothText ? l : typeof l === 'boolean' ? Number(l) : Number(l);
  const b = bothText ? r : typeof r === 'boolean' ? Number(r) : Number(r);
  if (!bothText && (Number.isNaN(a) || Number.isNaN(b))) return undefined;
  switch (op) {
    case '=':
      return a === b;
    case '<>':
      return a !== b;
    case '<':
      return a < b;
    case '>':
      return a > b;
    case '<=':
      return a <= b;
    case '>=':
      return a >= b;
    default:
      return undefined;
  }
}

/** A LIKE of two literals, `%` and `_` only; linear in practice for the short literals of a WHERE. */
function likeMatches(text: string, pattern: string): boolean | undefined {
  if (pattern.length > 256 || text.length > 256) return undefined;
  if (/^%+$/.test(pattern)) return true;
  if (!/[%_\\]/.test(pattern)) return text === pattern;
  return undefined;
}
