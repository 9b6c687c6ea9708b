/** Keeps an activity heartbeating while it works, so a crashed worker's task is retried within seconds. */
import { Context } from '@temporalio/activity';

export const HEARTBEAT_EVERY_MS = 2_000;

/** Runs `work`, heartbeating every {@link HEARTBEAT_EVERY_MS} until it settles. */
export async function whileHeartbeating<T>(work: () => Promise<T> | T): Promise<T> {
  const ctx = Context.current();
  const timer = setInterval(() => ctx.heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}
