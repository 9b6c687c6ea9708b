/** `--unavailable-after`: how long a command waits for Temporal or a worker before it exits with code 69. */
import { parseDurationFlag } from './duration-flag';

export const UNAVAILABLE_AFTER_FLAG: [string, string] = [
  '--unavailable-after <duration>',
  'give up with exit code 69 when Temporal or a worker does not answer within this, e.g. 30s (default 10s)',
];

/** The `unavailableAfter` client option from the `--unavailable-after` flag. */
export function unavailableAfterOption(flags: { unavailableAfter?: string }): { unavailableAfter?: number } {
  return flags.unavailableAfter === undefined
    ? {}
    : { unavailableAfter: parseDurationFlag(flags.unavailableAfter, '--unavailable-after') };
}
