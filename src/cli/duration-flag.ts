/** Duration options of the CLI (`--timeout 72h`), in the same format as policy files. */
import { parseDuration } from '../policy/duration';

/**
 * Parses a duration option such as `30s`, `5m`, `72h` or `2d` into milliseconds.
 * @throws Error naming the option and the accepted format when the text is not a positive duration
 */
export function parseDurationFlag(text: string, flag: string): number {
  const ms = parseDuration(text);
  if (ms === undefined || ms <= 0) {
    throw new Error(
      `${flag} must be a positive duration: a number and one of ms, s, m, h, d (e.g. 30s, 5m, 72h, 2d), got '${text}'`,
    );
  }
  return ms;
}
