/**
 * A small POSIX/bash parser for classifying commands, not for running them: it finds every command a string
 * would run (pipelines, lists, subshells, groups, functions, command and process substitutions, here-documents)
 * and computes each word's value as the shell would see it after quote removal. Parts the shell would only know
 * at run time (variables, substitutions whose output is not a literal) make a word `dynamic`.
 *
 * Linear in the input: every character is consumed once per nesting level, and nesting is bounded.
 * Synchronous on purpose: decisions on static rules run in a local activity, and the WASM build of mvdan/sh
 * (sh-syntax) is async and measured at about 130 parses/s here.
 */

/** One word of a command after quote removal. */
export interface ShellWord {
  /** The value with every part the parser could compute; dynamic parts are left out. */
  value: string;
  /** Whether some part is only known at run time (a variable, a substitution). */
  dynamic: boolean;
  /** Whether an unquoted glob character (`*`, `?`, `[`) is in it. */
  glob: boolean;
  /** Commands of the command substitutions inside the word, outermost first. */
  substitutions: ShellCommand[];
}

/** A redirection: `>`, `>>`, `<`, `<<` (with its body), `<<<`, `>&`, `&>`, ... */
export interface ShellRedirect {
  op: string;
  target: ShellWord;
  /** The text a here-document or here-string feeds the command. */
  body?: string;
}

/** One simple command as the shell would run it. */
export interface ShellCommand {
  words: ShellWord[];
  redirects: ShellRedirect[];
  /** Commands whose output this one reads: the earlier commands of its pipeline. */
  upstream: ShellCommand[];
  /** Whether it runs in the background (`&`) or in a pipeline with itself. */
  background: boolean;
  /** The function whose body holds this command, if any. */
  inFunction?: string;
}

/** Everything a script would run. */
export interface ParsedScript {
  commands: ShellCommand[];
  /** Names of the functions it defines. */
  functions: Set<string>;
}

/** Thrown for input the parser cannot make sense of (unterminated quotes, unbalanced parentheses). */
export class ShellSyntaxError extends Error {
  constructor(message: string) {
    // Thrown for every command that does not parse and always caught by the classifier: a stack trace would be
    // most of the cost of judging such a command.
    const limit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super(message);
    Error.stackTraceLimit = limit;
    this.name = 'ShellSyntaxError';
  }
}

const maxDepth = 24;
const maxUpstream = 16;
const knownVariables: Record<string, string> = { HOME: '~', PWD: '.', IFS: ' ' };
const reservedSkipped = new Set(['if', 'then', 'else', 'elif', 'fi', 'do', 'done', 'while', 'until', '!', 'time', '{']);

/** Parses `text` as a shell script. @throws ShellSyntaxError when it does not parse */
export function parseShell(text: string): ParsedScript {
  const parser = new Parser(text);
  parser.parseList(undefined);
  if (parser.pos < text.length) throw new ShellSyntaxError(`unexpected '${text[parser.pos]}' at ${parser.pos}`);
  return { commands: parser.commands, functions: parser.functions };
}

type Terminator = ')' | '}' | '`' | 'case' | undefined;

class Parser {
  pos = 0;
  depth = 0;
  readonly commands: ShellCommand[] = [];
  readonly functions = new Set<string>();
  private readonly env = new Map<string, string>();
  private pendingHeredocs: { redirect: ShellRedirect; delimiter: string; stripTabs: boolean }[] = [];
  private functionName: string | undefined;

  constructor(private readonly src: string) {}

  /** Lists of pipelines until the terminator (or the end); leaves `pos` on the terminator. */
  parseList(end: Terminator): void {
    if (++this.depth > maxDepth) throw new ShellSyntaxError('nested too deeply');
    for (;;) {
      this.skipBlanks();
      const c = this.src[this.pos];
      if (c === undefined) break;
      if (c === '\n') {
        this.pos++;
        this.readHeredocBodies();
        continue;
      }
      if (c === ';' || c === '&') {
        if (end === 'case' && this.src.startsWith(';;', this.pos)) break;
        this.pos++;
        continue;
      }
      if (c === '#') {
        this.skipComment();
        continue;
      }
      if (c === ')' && end === ')') break;
      if (c === '`' && end === '`') break;
      if (end === '}' && this.atWord('}')) break;
      if (end === 'case' && (this.atWord('esac') || this.src.startsWith(';;', this.pos))) break;
      if (c === ')') throw new ShellSyntaxError(`unmatched ')' at ${this.pos}`);
      this.parsePipeline(end);
    }
    this.depth--;
  }

  private parsePipeline(end: Terminator): void {
    const stages: ShellCommand[][] = [];
    for (;;) {
      const before = this.commands.length;
      this.parseCommand(end);
      stages.push(this.commands.slice(before));
      this.skipBlanks();
      if (this.src[this.pos] === '|' && this.src[this.pos + 1] !== '|') {
        this.pos += this.src[this.pos + 1] === '&' ? 2 : 1;
        this.skipBlanksAndNewlines();
        continue;
      }
      break;
    }
    // Each command sees the last few commands before it: enough for `curl | base64 -d | sh`, and linear.
    let upstream: ShellCommand[] = [];
    for (const stage of stages) {
      // Shared, never mutated: a copy per command made long pipelines allocation-bound.
      for (const command of stage) {
        command.upstream = command.upstream.length === 0 ? upstream : [...command.upstream, ...upstream];
      }
      upstream = [...upstream, ...stage].slice(-maxUpstream);
    }
    this.skipBlanks();
    const background =
      (this.src[this.pos] === '&' && this.src[this.pos + 1] !== '&' && this.src[this.pos + 1] !== '>') ||
      stages.length > 1;
    if (background) for (const stage of stages) for (const command of stage) command.background = true;
    if (this.src.startsWith('&&', this.pos) || this.src.startsWith('||', this.pos)) {
      this.pos += 2;
      this.skipBlanksAndNewlines();
    }
  }

  private parseCommand(end: Terminator): void {
    this.skipBlanks();
    const c = this.src[this.pos];
    if (c === '(') {
      if (this.src[this.pos + 1] === '(') {
        this.skipBalanced('(', ')');
        return;
      }
      this.pos++;
      this.parseList(')');
      this.expect(')');
      this.parseTrailingRedirects();
      return;
    }
    if (this.atWord('{')) {
      this.pos++;
      this.parseList('}');
      this.expect('}');
      this.parseTrailingRedirects();
      return;
    }
    this.parseSimpleCommand(end);
  }

  private parseSimpleCommand(end: Terminator): void {
    const command: ShellCommand = { words: [], redirects: [], upstream: [], background: false };
    if (this.functionName !== undefined) command.inFunction = this.functionName;
    const assignments: [string, ShellWord][] = [];
    for (;;) {
      this.skipBlanks();
      const c = this.src[this.pos];
      if (c === undefined || c === '\n' || c === ';' || c === '|' || c === ')' || c === '#') break;
      if (c === '&' && this.src[this.pos + 1] !== '>') break;
      if (c === '`' && end === '`') break;
      if (end === '}' && command.words.length === 0 && this.atWord('}')) break;
      if (c === '(') {
        if (command.words.length === 1 && this.src.startsWith('()', this.skipSpaces(this.pos))) {
          this.parseFunction(command.words[0]?.value ?? '');
          return;
        }
        throw new ShellSyntaxError(`unexpected '(' at ${this.pos}`);
      }
      if ((c === '<' || c === '>') && this.src[this.pos + 1] === '(') {
        command.words.push(this.readProcessSubstitution());
        continue;
      }
      const redirect = this.tryRedirect();
      if (redirect) {
        command.redirects.push(redirect);
        continue;
      }
      const words = this.readWords();
      if (command.words.length === 0 && words.length === 1) {
        const assignment = /^([A-Za-z_][A-Za-z0-9_]*)\+?=/.exec(this.src.slice(this.wordStart, this.wordStart + 256));
        const word = words[0] as ShellWord;
        if (assignment) {
          assignments.push([assignment[1] as string, word]);
          continue;
        }
        if (word.value === 'function' && !word.dynamic) {
          this.skipBlanks();
          const name = this.readWords()[0]?.value ?? '';
          this.skipBlanks();
          if (this.src.startsWith('()', this.pos)) this.pos += 2;
          this.parseFunction(name, true);
          return;
        }
        if (word.value === 'case' && !word.dynamic) {
          this.parseCase();
          return;
        }
        if ((word.value === 'for' || word.value === 'select') && !word.dynamic) {
          this.skipHeader();
          return;
        }
        if (reservedSkipped.has(word.value) && !word.dynamic) continue;
        if ((word.value === 'fi' || word.value === 'done' || word.value === 'esac') && !word.dynamic) continue;
      }
      command.words.push(...words);
    }
    for (const [name, word] of assignments) {
      if (word.dynamic) this.env.delete(name);
      else this.env.set(name, word.value.slice(word.value.indexOf('=') + 1));
      // An assignment's value may hide a script (`X=$(curl ...)`): its substitutions still run.
    }
    if (command.words.length > 0 || command.redirects.length > 0) this.commands.push(command);
  }

  /** `name() body` or `function name body`: the body's commands are recorded as the function's. */
  private parseFunction(name: string, keyword = false): void {
    if (!keyword) this.pos = this.skipSpaces(this.pos) + 2;
    this.skipBlanksAndNewlines();
    this.functions.add(name);
    const outer = this.functionName;
    this.functionName = name;
    this.parseCommand(undefined);
    this.functionName = outer;
  }

  /** `case word in pattern) list ;; ... esac` */
  private parseCase(): void {
    for (;;) {
      this.skipBlanksAndNewlines();
      if (this.pos >= this.src.length) throw new ShellSyntaxError("case without 'in'");
      const word = this.readWords()[0];
      if (word?.value === 'in' && !word.dynamic) break;
    }
    for (;;) {
      this.skipBlanksAndNewlines();
      if (this.pos >= this.src.length) throw new ShellSyntaxError("case without 'esac'");
      if (this.atWord('esac')) {
        this.pos += 4;
        return;
      }
      const close = this.src.indexOf(')', this.pos);
      if (close < 0) throw new ShellSyntaxError('case pattern without )');
      this.pos = close + 1;
      this.parseList('case');
      if (this.src.startsWith(';;', this.pos)) this.pos += this.src[this.pos + 2] === '&' ? 3 : 2;
      else if (this.src.startsWith(';&', this.pos)) this.pos += 2;
    }
  }

  /** Skips `for x in words` up to the separator; the words are data, not a command. */
  private skipHeader(): void {
    while (this.pos < this.src.length) {
      this.skipBlanks();
      const c = this.src[this.pos];
      if (c === undefined || c === ';' || c === '\n' || c === '&' || c === '|') return;
      if (c === '(' && this.src[this.pos + 1] === '(') {
        this.skipBalanced('(', ')');
        continue;
      }
      this.readWords();
    }
  }

  private parseTrailingRedirects(): void {
    for (;;) {
      this.skipBlanks();
      const redirect = this.tryRedirect();
      if (!redirect) return;
    }
  }

  private wordStart = 0;

  /** One word as written; `$IFS` outside quotes splits it, so it may yield several. */
  private readWords(): ShellWord[] {
    this.wordStart = this.pos;
    const words: ShellWord[] = [];
    let word: ShellWord = emptyWord();
    let started = false;
    let braced = false;
    const tildeAt = this.pos;
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined || isMeta(c)) break;
      started = true;
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        this.pos += 2;
        if (next !== undefined && next !== '\n') word.value += next;
      } else if (c === "'") {
        const close = this.src.indexOf("'", this.pos + 1);
        if (close < 0) throw new ShellSyntaxError('unterminated single quote');
        word.value += this.src.slice(this.pos + 1, close);
        this.pos = close + 1;
      } else if (c === '"') {
        this.pos++;
        this.readDoubleQuoted(word);
      } else if (c === '$') {
        const split = this.readDollar(word, false);
        if (split) {
          if (word.value || word.dynamic) words.push(word);
          word = emptyWord();
        }
      } else if (c === '`') {
        this.readBacktick(word);
      } else {
        if (c === '*' || c === '?' || c === '[') word.glob = true;
        else if (c === '{') braced = true;
        if (c === '~' && this.pos === tildeAt) word.value += '~';
        else word.value += c;
        this.pos++;
      }
    }
    if (!started) throw new ShellSyntaxError(`unexpected '${this.src[this.pos] ?? 'end'}' at ${this.pos}`);
    if (braced) words.push(...expandBraces(word));
    else if (word.value || word.dynamic || words.length === 0) words.push(word);
    return words;
  }

  private readDoubleQuoted(word: ShellWord): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === undefined) throw new ShellSyntaxError('unterminated double quote');
      if (c === '"') {
        this.pos++;
        return;
      }
      if (c === '\\') {
        const next = this.src[this.pos + 1];
        if (next === '"' || next === '\\' || next === '$' || next === '`') word.value += next;
        else if (next !== '\n') word.value += '\\' + (next ?? '');
        this.pos += 2;
      } else if (c === '$') {
        this.readDollar(word, true);
      } else if (c === '`') {
        this.readBacktick(word);
      } else {
        word.value += c;
        this.pos++;
      }
    }
  }

  /** A `$` expansion at `pos`. Returns true when it is an unquoted `$IFS` (a word break). */
  private readDollar(word: ShellWord, quoted: boolean): boolean {
    const next = this.src[this.pos + 1];
    if (next === "'" && !quoted) {
      const close = findAnsiEnd(this.src, this.pos + 2);
      word.value += decodeAnsi(this.src.slice(this.pos + 2, close));
      this.pos = close + 1;
      return false;
    }
    if (next === '(') {
      if (this.src[this.pos + 2] === '(') {
        this.pos++;
        this.skipBalanced('(', ')');
        word.dynamic = true;
        return false;
      }
      this.pos += 2;
      this.substitute(word, ')');
      return false;
    }
    if (next === '{') {
      const close = this.src.indexOf('}', this.pos + 2);
      if (close < 0) throw new ShellSyntaxError('unterminated ${');
      const inner = this.src.slice(this.pos + 2, close);
      this.pos = close + 1;
      return this.expandVariable(word, /^[A-Za-z_][A-Za-z0-9_]*$/.test(inner) ? inner : undefined, quoted);
    }
    const name = /^(?:[A-Za-z_][A-Za-z0-9_]*|[0-9@*#?$!-])/.exec(this.src.slice(this.pos + 1, this.pos + 130));
    if (!name) {
      word.value += '$';
      this.pos++;
      return false;
    }
    this.pos += 1 + name[0].length;
    return this.expandVariable(word, name[0], quoted);
  }

  private expandVariable(word: ShellWord, name: string | undefined, quoted: boolean): boolean {
    if (name === 'IFS' && !quoted) return true;
    const value = name === undefined ? undefined : (this.env.get(name) ?? knownVariables[name]);
    if (value === undefined) word.dynamic = true;
    else word.value += value;
    return false;
  }

  /** `$(...)` or a backtick body: its commands run; a lone literal `printf`/`echo` gives the word its output. */
  private substitute(word: ShellWord, close: ')' | '`'): void {
    const before = this.commands.length;
    this.parseList(close);
    this.expect(close);
    const inner = this.commands.slice(before);
    word.substitutions.push(...inner);
    const output = inner.length === 1 ? literalOutput(inner[0] as ShellCommand) : undefined;
    if (output === undefined) word.dynamic = true;
    else word.value += output;
  }

  private readBacktick(word: ShellWord): void {
    this.pos++;
    this.substitute(word, '`');
  }

  private readProcessSubstitution(): ShellWord {
    const word = emptyWord();
    word.dynamic = true;
    this.pos += 2;
    const before = this.commands.length;
    this.parseList(')');
    this.expect(')');
    word.substitutions.push(...this.commands.slice(before));
    return word;
  }

  private tryRedirect(): ShellRedirect | undefined {
    const match = /^(?:\d+|\{[A-Za-z_]\w*\})?(<<<|<<-|<<|<>|<&|>>|>&|>\||&>>|&>|<|>)/.exec(
      this.src.slice(this.pos, this.pos + 16),
    );
    if (!match) return undefined;
    const op = match[1] as string;
    this.pos += match[0].length;
    this.skipBlanks();
    const target = this.readWords()[0] ?? emptyWord();
    const redirect: ShellRedirect = { op, target };
    if (op === '<<' || op === '<<-') {
      this.pendingHeredocs.push({ redirect, delimiter: target.value, stripTabs: op === '<<-' });
    } else if (op === '<<<') {
      redirect.body = target.value;
    }
    return redirect;
  }

  private readHeredocBodies(): void {
    const pending = this.pendingHeredocs;
    this.pendingHeredocs = [];
    for (const { redirect, delimiter, stripTabs } of pending) {
      let body = '';
      for (;;) {
        if (this.pos >= this.src.length) break;
        let lineEnd = this.src.indexOf('\n', this.pos);
        if (lineEnd < 0) lineEnd = this.src.length;
        const line = this.src.slice(this.pos, lineEnd);
        this.pos = Math.min(lineEnd + 1, this.src.length);
        if ((stripTabs ? line.replace(/^\t+/, '') : line) === delimiter) break;
        body += line + '\n';
      }
      redirect.body = body;
    }
  }

  private atWord(keyword: string): boolean {
    if (!this.src.startsWith(keyword, this.pos)) return false;
    const after = this.src[this.pos + keyword.length];
    return after === undefined || isMeta(after);
  }

  private expect(c: string): void {
    if (this.src[this.pos] !== c) throw new ShellSyntaxError(`expected '${c}' at ${this.pos}`);
    this.pos++;
  }

  private skipBalanced(open: string, close: string): void {
    let depth = 0;
    while (this.pos < this.src.length) {
      const c = this.src[this.pos++];
      if (c === open) depth++;
      else if (c === close && --depth === 0) return;
    }
    throw new ShellSyntaxError(`unbalanced '${open}'`);
  }

  private skipSpaces(from: number): number {
    let i = from;
    while (this.src[i] === ' ' || this.src[i] === '\t') i++;
    return i;
  }

  private skipBlanks(): void {
    for (;;) {
      const c = this.src[this.pos];
      if (c === ' ' || c === '\t' || c === '\r') this.pos++;
      else if (c === '\\' && this.src[this.pos + 1] === '\n') this.pos += 2;
      else return;
    }
  }

  private skipBlanksAndNewlines(): void {
    for (;;) {
      this.skipBlanks();
      if (this.src[this.pos] === '\n') {
        this.pos++;
        this.readHeredocBodies();
      } else if (this.src[this.pos] === '#') {
        this.skipComment();
      } else {
        return;
      }
    }
  }

  private skipComment(): void {
    const end = this.src.indexOf('\n', this.pos);
    this.pos = end < 0 ? this.src.length : end;
  }
}

function emptyWord(): ShellWord {
  return { value: '', dynamic: false, glob: false, substitutions: [] };
}

/**
 * Brace expansion of one unquoted list (`{rm,-rf,/}` is the three words `rm -rf /`, `/bin/{rm,ls}` two paths), at
 * most 16 alternatives; nested or sequence forms (`{1..9}`) stay one word. Index searches only: linear.
 */
function expandBraces(word: ShellWord): ShellWord[] {
  const value = word.value;
  const open = value.indexOf('{');
  const close = value.indexOf('}', open + 1);
  if (open < 0 || close < 0 || value.lastIndexOf('{') !== open || value.lastIndexOf('}') !== close) return [word];
  const alternatives = value.slice(open + 1, close).split(',');
  if (alternatives.length < 2 || alternatives.length > 16) return [word];
  const prefix = value.slice(0, open);
  const suffix = value.slice(close + 1);
  return alternatives.map((alt) => ({ ...word, value: `${prefix}${alt}${suffix}` }));
}

function isMeta(c: string): boolean {
  return (
    c === ' ' ||
    c === '\t' ||
    c === '\n' ||
    c === '\r' ||
    c === ';' ||
    c === '&' ||
    c === '|' ||
    c === '<' ||
    c === '>' ||
    c === '(' ||
    c === ')'
  );
}

function findAnsiEnd(src: string, from: number): number {
  for (let i = from; i < src.length; i++) {
    if (src[i] === '\\') i++;
    else if (src[i] === "'") return i;
  }
  throw new ShellSyntaxError("unterminated $'");
}

const simpleEscapes: Record<string, string> = {
  n: '\n',
  t: '\t',
  r: '\r',
  a: '\x07',
  b: '\b',
  e: '\x1b',
  f: '\f',
  v: '\v',
};

/** Decodes the escapes of `$'...'` and of `printf`/`echo -e`: `\xHH`, `\NNN` octal, `\uHHHH`, `\n` ... */
export function decodeAnsi(text: string): string {
  let out = '';
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (c !== '\\' || i + 1 >= text.length) {
      out += c;
      continue;
    }
    const e = text[++i] as string;
    const hex = e === 'x' ? /^[0-9a-fA-F]{1,2}/.exec(text.slice(i + 1, i + 3)) : null;
    const unicode =
      e === 'u' || e === 'U' ? /^[0-9a-fA-F]{1,8}/.exec(text.slice(i + 1, i + (e === 'u' ? 5 : 9))) : null;
    const octal = /^[0-7]{1,3}/.exec(text.slice(e === '0' ? i + 1 : i, i + 4));
    if (hex) {
      out += String.fromCharCode(parseInt(hex[0], 16));
      i += hex[0].length;
    } else if (unicode) {
      const code = parseInt(unicode[0], 16);
      out += code <= 0x10ffff ? String.fromCodePoint(code) : '';
      i += unicode[0].length;
    } else if (octal && /[0-7]/.test(e)) {
      out += String.fromCharCode(parseInt(octal[0], 8) & 0xff);
      i += octal[0].length - (e === '0' ? 0 : 1);
    } else {
      out += simpleEscapes[e] ?? e;
    }
  }
  return out;
}

/** The output of `printf FORMAT ARGS` or `echo [-e|-n] ARGS` when every word is literal; else undefined. */
export function literalOutput(command: ShellCommand): string | undefined {
  const words = command.words;
  if (words.some((w) => w.dynamic) || command.redirects.length > 0) return undefined;
  const name = words[0]?.value;
  if (name === 'printf') {
    const args = words.slice(1).map((w) => w.value);
    if (args[0] === '--') args.shift();
    const format = args.shift();
    if (format === undefined) return undefined;
    let index = 0;
    const formatted = format.replace(/%([%sbdc])/g, (_, spec: string) =>
      spec === '%' ? '%' : spec === 'b' ? decodeAnsi(args[index++] ?? '') : (args[index++] ?? ''),
    );
    return decodeAnsi(formatted);
  }
  if (name === 'echo') {
    const args = words.slice(1).map((w) => w.value);
    let escapes = false;
    while (args[0] !== undefined && /^-[neE]+$/.test(args[0])) escapes = (args.shift() as string).includes('e');
    const joined = args.join(' ');
    return escapes ? decodeAnsi(joined) : joined;
  }
  return undefined;
}
