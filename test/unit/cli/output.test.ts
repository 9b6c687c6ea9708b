import { GuardApprovalError, GuardUnavailable } from '../../../src/client';
import { EXIT_CODES, fail } from '../../../src/cli/output';

function failWith(err: unknown): { exitCode: number; stderr: string } {
  const previous = process.exitCode;
  const write = jest.spyOn(process.stderr, 'write').mockImplementation(() => true);
  try {
    fail(err);
    return { exitCode: Number(process.exitCode), stderr: write.mock.calls.map(([text]) => String(text)).join('') };
  } finally {
    write.mockRestore();
    process.exitCode = previous;
  }
}

test('GuardUnavailable exits with 69 (EX_UNAVAILABLE) and prints its message on one line', () => {
  const error = new GuardUnavailable({
    address: 'temporal:7233',
    namespace: 'default',
    taskQueue: 'durable-guard',
    operation: 'start',
    reason: 'unreachable',
    elapsedMs: 10_000,
  });
  const { exitCode, stderr } = failWith(error);
  expect(exitCode).toBe(EXIT_CODES.unavailable);
  expect(EXIT_CODES.unavailable).toBe(69);
  expect(stderr).toBe(`error: GUARD_UNAVAILABLE: ${error.message}\n`);
});

test('any other failure exits with 1', () => {
  const { exitCode, stderr } = failWith(new GuardApprovalError('GUARD_ALREADY_DECIDED', 'g-1', 'already approved'));
  expect(exitCode).toBe(EXIT_CODES.failure);
  expect(stderr).toBe('error: GUARD_ALREADY_DECIDED: already approved\n');
});
