/** Bearer-token authentication of approvers, as a fastify hook. */
import type { FastifyRequest } from 'fastify';
import type { Approver, ApproverRegistry } from '../approvals';
import { ApiError } from './errors';

const approvers = new WeakMap<FastifyRequest, Approver>();

/** A hook that sets the request's approver from `Authorization: Bearer <token>`, or answers 401. */
export function requireApprover(registry: ApproverRegistry) {
  return async (request: FastifyRequest): Promise<void> => {
    const approver = registry.authenticate(request.headers.authorization);
    if (!approver) {
      const problem = request.headers.authorization
        ? 'the bearer token is not a known approver token'
        : 'no bearer token';
      throw new ApiError(
        'GUARD_UNAUTHORIZED',
        `${problem}: send Authorization: Bearer <token> of an approver configured in DURABLE_GUARD_APPROVERS or DURABLE_GUARD_APPROVER_TOKENS`,
      );
    }
    approvers.set(request, approver);
  };
}

/** The approver {@link requireApprover} authenticated for this request. */
export function approverOf(request: FastifyRequest): Approver {
  const approver = approvers.get(request);
  if (!approver) throw new Error('route is missing the requireApprover hook');
  return approver;
}
