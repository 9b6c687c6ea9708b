/**
 * A setting read from the environment is missing, malformed or contradicts another one.
 * The message names the variable and the fix; `variable` lets callers point at it.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  /** The environment variable at fault, e.g. `TEMPORAL_ADDRESS`. */
  readonly variable: string;

  constructor(variable: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.variable = variable;
  }
}
