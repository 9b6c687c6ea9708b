/** Time options of the CLI (`--since 7d`, `--until 2026-12-01T00:00:00Z`): a duration ago, or an ISO 8601 time. */
import { parseDuration } from '../policy/duration';

const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses a point in time: a positive duration counted back from `now` (`30m`, `7d`), or an ISO 8601 date or time
 * with a zone (`2026-12-01`, `2026-12-01T09:00:00Z`).
 * @throws Error naming the option and both accepted forms
 */
export function parseTimeFlag(text: string, flag: string, now: Date): Date {
  const ms = parseDuration(text);
  if (ms !== undefined && ms > 0) return new Date(now.getTime() - ms);
  const at = ISO_TIME.test(text) ? Date.parse(text) : NaN;
  if (Number.isNaN(at)) {
    throw new Error(
      `${flag} must be a duration ago (a number and one of ms, s, m, h, d, e.g. 30m, 7d) or an ISO 8601 time ` +
        `with a zone (e.g. 2026-12-01T09:00:00Z), got '${text}'`,
    );
  }
  return new Date(at);
}
