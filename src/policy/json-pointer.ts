/** RFC 6901 JSON pointers over plain JSON values. */

/**
 * Splits a pointer (`/a/b~1c/0`) into unescaped reference tokens.
 * @returns the tokens, or `undefined` when the text is not a valid pointer
 */
export function parsePointer(pointer: string): string[] | undefined {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) return undefined;
  const tokens = pointer.slice(1).split('/');
  for (const token of tokens) if (/~[^01]|~$/.test(token)) return undefined;
  return tokens.map((token) => token.replace(/~1/g, '/').replace(/~0/g, '~'));
}

type Container = Record<string, unknown> | unknown[];

function isContainer(value: unknown): value is Container {
  return typeof value === 'object' && value !== null;
}

function arrayIndex(array: unknown[], token: string, forInsert: boolean): number | undefined {
  if (token === '-') return forInsert ? array.length : undefined;
  if (!/^(0|[1-9]\d*)$/.test(token)) return undefined;
  const index = Number(token);
  return index <= (forInsert ? array.length : array.length - 1) ? index : undefined;
}

/** Reads the value at `tokens`, or `undefined` when there is none. */
export function getAt(root: unknown, tokens: readonly string[]): unknown {
  let current = root;
  for (const token of tokens) {
    if (Array.isArray(current)) {
      const index = arrayIndex(current, token, false);
      if (index === undefined) return undefined;
      current = current[index];
    } else if (isContainer(current) && Object.prototype.hasOwnProperty.call(current, token)) {
      current = (current as Record<string, unknown>)[token];
    } else {
      return undefined;
    }
  }
  return current;
}

/**
 * Sets the value at `tokens` in place, creating missing parent objects. Setting an array index replaces the
 * element; `-` appends.
 * @returns whether the value was set (false when a parent is a primitive or an index is out of range)
 */
export function setAt(root: Record<string, unknown>, tokens: readonly string[], value: unknown): boolean {
  if (tokens.length === 0) return false;
  let current: Container = root;
  for (let i = 0; i < tokens.length - 1; i++) {
    const token = tokens[i] as string;
    let next: unknown;
    if (Array.isArray(current)) {
      const index = arrayIndex(current, token, false);
      if (index === undefined) return false;
      next = current[index];
    } else {
      next = Object.prototype.hasOwnProperty.call(current, token) ? current[token] : undefined;
      if (next === undefined) {
        next = {};
        defineOwn(current, token, next);
      }
    }
    if (!isContainer(next)) return false;
    current = next;
  }
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(current)) {
    const index = arrayIndex(current, last, true);
    if (index === undefined) return false;
    current[index] = value;
  } else {
    defineOwn(current, last, value);
  }
  return true;
}

/** Removes the value at `tokens` in place. @returns whether something was removed */
export function removeAt(root: Record<string, unknown>, tokens: readonly string[]): boolean {
  if (tokens.length === 0) return false;
  const parent = getAt(root, tokens.slice(0, -1));
  const last = tokens[tokens.length - 1] as string;
  if (Array.isArray(parent)) {
    const index = arrayIndex(parent, last, false);
    if (index === undefined) return false;
    parent.splice(index, 1);
    return true;
  }
  if (isContainer(parent) && Object.prototype.hasOwnProperty.call(parent, last)) {
    delete (parent as Record<string, unknown>)[last];
    return true;
  }
  return false;
}

/** Formats tokens back into a pointer, for messages. */
export function formatPointer(tokens: readonly (string | number)[]): string {
  return tokens.map((token) => '/' + String(token).replace(/~/g, '~0').replace(/\//g, '~1')).join('');
}

// `__proto__` must become an own data property, never the prototype setter.
function defineOwn(target: Record<string, unknown>, key: string, value: unknown): void {
  Object.defineProperty(target, key, { value, writable: true, enumerable: true, configurable: true });
}
