/** Bearer-token authentication of callers (the guard endpoint), as a fastify hook. */
import type { FastifyRequest } from 'fastify';
import type { Caller, CallerRegistry } from '../approvals';
import { ApiError } from './errors';

const callers = new WeakMap<FastifyRequest, Caller>();

/** A hook that lets through only `Authorization: Bearer <token>` of a caller, else answers 401. */
export function requireCaller(registry: CallerRegistry) {
  return async (request: FastifyRequest): Promise<void> => {
    const caller = registry.authenticate(request.headers.authorization);
    if (caller) {
      callers.set(request, caller);
      return;
    }
    const problem = request.headers.authorization ? 'the bearer token is not a known caller token' : 'no bearer token';
    throw new ApiError(
      'GUARD_UNAUTHORIZED',
      `${problem}: send Authorization: Bearer <token> of a caller configured in DURABLE_GUARD_CALLER_TOKENS ` +
        '(approver tokens cannot ask for decisions)',
    );
  };
}

/** The caller {@link requireCaller} authenticated for this request. */
export function callerOf(request: FastifyRequest): Caller {
  const caller = callers.get(request);
  if (!caller) throw new Error('route is missing the requireCaller hook');
  return caller;
}

/**
 * The call's context with `caller` set to the token's identity: the workflow refuses an approval by its requester
 * (`context.caller`), so a caller must not be able to name someone else there. A body that names another caller is
 * refused rather than overwritten, so the mistake is seen.
 * @throws ApiError GUARD_INVALID_REQUEST when `context.caller` is not the token's identity
 */
export function authenticatedContext(
  context: Record<string, unknown> | undefined,
  caller: Caller,
): Record<string, unknown> {
  const claimed = context?.caller;
  if (
    claimed !== undefined &&
    !(typeof claimed === 'string' && claimed.trim().toLowerCase() === caller.id.toLowerCase())
  ) {
    const shown = JSON.stringify(claimed).slice(0, 80);
    throw new ApiError(
      'GUARD_INVALID_REQUEST',
      `context.caller ${shown} is not the identity of this caller token ('${caller.id}'): the API sets ` +
        `context.caller from the bearer token; leave it out or send '${caller.id}'`,
    );
  }
  return { ...context, caller: caller.id };
}
