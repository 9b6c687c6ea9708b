import { Metadata, status } from '@grpc/grpc-js';
import { ServiceError } from '@temporalio/client';
import { GuardUnavailable, type GuardUnavailableFields } from '../../../src/client';
import { isTransportFailure } from '../../../src/client/temporal-calls';

const fields: GuardUnavailableFields = {
  address: 'temporal:7233',
  namespace: 'guard',
  taskQueue: 'durable-guard',
  operation: 'decision',
  reason: 'no-worker',
  elapsedMs: 1530,
  callId: 'guard-1',
};

/** A gRPC status error as @grpc/grpc-js builds it (code, details, metadata). */
function grpcError(code: status, details: string): Error {
  return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
}

describe('GuardUnavailable', () => {
  test('carries its fields, name and code, and keeps the cause', () => {
    const cause = new Error('underlying');
    const error = new GuardUnavailable(fields, { cause });
    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({ ...fields, name: 'GuardUnavailable', code: 'GUARD_UNAVAILABLE' });
    expect(error.cause).toBe(cause);
  });

  test.each<[string, Partial<GuardUnavailableFields>, RegExp[]]>([
    [
      'no worker on the decision',
      {},
      [
        /^guard unavailable: Temporal at temporal:7233, namespace guard answered, but no worker took the call within 1\.5 s while waiting for the policy decision \(call guard-1\)/,
        /polling task queue 'durable-guard' \(DURABLE_GUARD_TASK_QUEUE\)/,
        /No decision was made, so the tool must not run\. The call stays queued as guard-1/,
      ],
    ],
    [
      'unreachable on start',
      { reason: 'unreachable', operation: 'start', callId: undefined },
      [
        /^guard unavailable: Temporal at temporal:7233, namespace guard did not answer within 1\.5 s while starting the guarded call: check TEMPORAL_ADDRESS and TEMPORAL_NAMESPACE/,
        /No decision was made, so the tool must not run\.$/,
      ],
    ],
    ['approve', { operation: 'approve' }, [/while approving the escalation/, /The escalation was not decided/]],
    [
      'status',
      { operation: 'status', reason: 'unreachable' },
      [/while reading the call status/, /The status is unknown\.$/],
    ],
  ])('message: %s', (_name, override, patterns) => {
    const message = new GuardUnavailable({ ...fields, ...override }).message;
    for (const pattern of patterns) expect(message).toMatch(pattern);
  });
});

describe('isTransportFailure', () => {
  test.each<[string, unknown, boolean]>([
    ['UNAVAILABLE', grpcError(status.UNAVAILABLE, 'No connection established'), true],
    ['DEADLINE_EXCEEDED', grpcError(status.DEADLINE_EXCEEDED, 'Deadline exceeded'), true],
    [
      'the SDK wrapping UNAVAILABLE',
      new ServiceError('Failed to start Workflow', { cause: grpcError(status.UNAVAILABLE, 'x') }),
      true,
    ],
    ['NOT_FOUND', grpcError(status.NOT_FOUND, 'workflow not found'), false],
    ['PERMISSION_DENIED (a wrong API key)', grpcError(status.PERMISSION_DENIED, 'Request unauthorized'), false],
    ['a plain error', new Error('UNAVAILABLE'), false],
    ['not an error', { code: status.UNAVAILABLE }, false],
  ])('%s: %p', (_name, err, expected) => {
    expect(isTransportFailure(err)).toBe(expected);
  });
});
