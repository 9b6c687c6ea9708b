/** Bearer-token authentication of callers (the guard endpoint), as a fastify hook. */
import type { FastifyRequest } from 'fastify';
import type { CallerRegistry } from '../approvals';
import { ApiError } from './errors';

/** A hook that lets through only `Authorization: Bearer <token>` of a caller, else answers 401. */
export function requireCaller(registry: CallerRegistry) {
  return async (request: FastifyRequest): Promise<void> => {
    if (registry.authenticate(request.headers.authorization)) return;
    const problem = request.headers.authorization ? 'the bearer token is not a known caller token' : 'no bearer token';
    throw new ApiError(
      'GUARD_UNAUTHORIZED',
      `${problem}: send Authorization: Bearer <token> of a caller configured in DURABLE_GUARD_CALLER_TOKENS ` +
        '(approver tokens cannot ask for decisions)',
    );
  };
}
