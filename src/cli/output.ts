/** How CLI commands print: results as JSON on stdout, problems on stderr with a non-zero exit code. */
export function printJson(value: unknown): void {
  process.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

/**
 * Exit codes of the CLI: `failure` for a command that failed (bad input, a refused approval, ...), `unavailable`
 * (sysexits' EX_UNAVAILABLE) when Temporal or every worker did not answer, so no decision was made.
 */
export const EXIT_CODES = { failure: 1, unavailable: 69 } as const;

/** Reports a failed command: the error's own message names the problem; the exit code says what kind. */
export function fail(err: unknown, exitCode?: number): void {
  const e = err as { name?: string; code?: string; message?: string; limit?: string };
  const limits = typeof e.limit === 'string' ? ' (the limits: docs/limits.md)' : '';
  const label = e.code ?? e.name ?? 'Error';
  process.stderr.write(`error: ${label}: ${e.message ?? String(err)}${limits}\n`);
  process.exitCode = exitCode ?? (e.name === 'GuardUnavailable' ? EXIT_CODES.unavailable : EXIT_CODES.failure);
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
