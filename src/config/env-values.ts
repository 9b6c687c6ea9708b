import { readFileSync } from 'node:fs';
import { ConfigError } from './config-error';

/** An unset or blank variable counts as absent, so `FOO=` in a compose file means "use the default". */
export function present(raw: string | undefined): string | undefined {
  const trimmed = raw?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

const TRUE_WORDS = new Set(['true', '1', 'yes']);
const FALSE_WORDS = new Set(['false', '0', 'no']);

export function parseBoolean(variable: string, raw: string | undefined): boolean | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  const lower = value.toLowerCase();
  if (TRUE_WORDS.has(lower)) return true;
  if (FALSE_WORDS.has(lower)) return false;
  throw new ConfigError(variable, `${variable}='${value}' is not a boolean: set it to true or false`);
}

export function parseInteger(
  variable: string,
  raw: string | undefined,
  range: { min: number; max: number; what: string },
): number | undefined {
  const value = present(raw);
  if (value === undefined) return undefined;
  const parsed = /^\d+$/.test(value) ? Number(value) : Number.NaN;
  if (!Number.isSafeInteger(parsed) || parsed < range.min || parsed > range.max) {
    throw new ConfigError(
      variable,
      `${variable}='${value}' is not a valid ${range.what}: use a whole number from ${range.min} to ${range.max}`,
    );
  }
  return parsed;
}

export function parsePort(variable: string, raw: string | undefined): number | undefined {
  return parseInteger(variable, raw, { min: 1, max: 65535, what: 'port' });
}

const HOST_PORT = /^(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?):(\d{1,5})$/;

/** `host:port` as gRPC wants it: no scheme, IPv6 in brackets. */
export function parseHostPort(variable: string, value: string): string {
  const match = HOST_PORT.exec(value);
  const port = match?.[2] === undefined ? Number.NaN : Number(match[2]);
  if (!match || port < 1 || port > 65535) {
    throw new ConfigError(
      variable,
      `${variable}='${value}' is not host:port: set it like localhost:7233, temporal:7233 or ` +
        `<namespace>.<account>.tmprl.cloud:7233 (no http://, IPv6 as [::1]:7233)`,
    );
  }
  return value;
}

/** A name with no whitespace: task queues and namespaces. */
export function parseName(variable: string, value: string): string {
  if (/\s/.test(value)) {
    throw new ConfigError(variable, `${variable}='${value}' contains whitespace: remove it`);
  }
  return value;
}

/**
 * Reads a file named by a variable now, so a bad path fails at startup, not at first connection.
 * `setting` names where the path came from when that is not the variable itself (a key of a profile).
 */
export function readFileVariable(
  variable: string,
  path: string,
  { what = 'PEM file', setting = variable }: { what?: string; setting?: string } = {},
): Buffer {
  try {
    const contents = readFileSync(path);
    if (contents.length === 0) {
      throw new ConfigError(variable, `${setting}='${path}' is an empty file: point it at a ${what}`);
    }
    return contents;
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'is not readable by this process'
          : code === 'EISDIR'
            ? 'is a directory'
            : `cannot be read (${code ?? String(error)})`;
    throw new ConfigError(variable, `${setting}='${path}' ${problem}: point it at a readable ${what}`, {
      cause: error,
    });
  }
}
