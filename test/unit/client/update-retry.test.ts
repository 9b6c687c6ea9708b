import { status } from '@grpc/grpc-js';
import { isUpdateTaskFailure, retryingTaskFailures } from '../../../src/client/update-retry';

function grpcError(code: number, details: string): Error {
  return Object.assign(new Error(`${code} ${details}`), { code, details, metadata: {} });
}

const taskFailure = () =>
  new Error('Workflow Update failed', {
    cause: grpcError(
      status.FAILED_PRECONDITION,
      'Unable to perform workflow execution update due to unexpected workflow task failure.',
    ),
  });

describe('update retry on a failed workflow task', () => {
  test('recognises the server answer in the cause chain, and nothing else', () => {
    expect(isUpdateTaskFailure(taskFailure())).toBe(true);
    expect(isUpdateTaskFailure(grpcError(status.FAILED_PRECONDITION, 'workflow execution already completed'))).toBe(
      false,
    );
    expect(isUpdateTaskFailure(grpcError(status.UNAVAILABLE, 'unexpected workflow task failure'))).toBe(false);
    expect(isUpdateTaskFailure(new Error('unexpected workflow task failure'))).toBe(false);
  });

  test('sends again after a task failure and returns the answer', async () => {
    let sent = 0;
    const answer = await retryingTaskFailures(async () => {
      sent += 1;
      if (sent < 3) throw taskFailure();
      return 'decided';
    });
    expect(answer).toBe('decided');
    expect(sent).toBe(3);
  });

  test('gives up after five attempts, and never retries another error', async () => {
    let sent = 0;
    await expect(
      retryingTaskFailures(async () => {
        sent += 1;
        throw taskFailure();
      }),
    ).rejects.toThrow('Workflow Update failed');
    expect(sent).toBe(5);
    sent = 0;
    await expect(
      retryingTaskFailures(async () => {
        sent += 1;
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    expect(sent).toBe(1);
  });
});
