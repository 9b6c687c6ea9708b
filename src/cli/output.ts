/** How CLI commands print: results as JSON on stdout, problems on stderr with a non-zero exit code. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/** Reports a failed command: the error's own message names the problem; the exit code says it failed. */
export function fail(err: unknown, exitCode = 1): void {
  const e = err as { name?: string; code?: string; message?: string; limit?: string };
  const label = e.code ?? e.name ?? 'Error';
  const limits = typeof e.limit === 'string' ? ' (the limits: docs/limits.md)' : '';
  process.stderr.write(`error: ${label}: ${e.message ?? String(err)}${limits}\n`);
  process.exitCode = exitCode;
}

/** Parses a JSON object argument, naming the option on failure. */
export function parseJsonObject(text: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw new Error(`${what} is not valid JSON: ${(err as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new Error(`${what} must be a JSON object like '{"amount": 4200}'`);
  }
  return value as Record<string, unknown>;
}
