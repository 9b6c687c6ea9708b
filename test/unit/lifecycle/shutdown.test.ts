import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { onShutdownSignal } from '../../../src/lifecycle/shutdown';

const ROOT = join(__dirname, '../../..');
const CHILD = join(__dirname, 'fixtures/shutdown-child.ts');

interface Child {
  signal(name: NodeJS.Signals): void;
  waitFor(text: string): Promise<void>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>;
}

function startChild(mode: 'drain' | 'hang' | 'fail'): Child {
  const child = spawn(process.execPath, ['--import', 'tsx', CHILD, mode], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const waiters: { text: string; resolve: () => void }[] = [];
  const onData = (chunk: Buffer): void => {
    output += chunk.toString();
    for (const waiter of waiters.filter((w) => output.includes(w.text))) waiter.resolve();
  };
  child.stdout.on('data', onData);
  child.stderr.on('data', onData);
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; output: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, output })),
  );
  return {
    signal: (name) => void child.kill(name),
    waitFor: (text) =>
      output.includes(text)
        ? Promise.resolve()
        : new Promise((resolve, reject) => {
            waiters.push({ text, resolve });
            void exited.then((result) => reject(new Error(`child exited before '${text}':\n${result.output}`)));
          }),
    exited,
  };
}

describe('onShutdownSignal in a real process', () => {
  test('SIGTERM runs the handler, which drains, and the process exits 0 on its own', async () => {
    const child = startChild('drain');
    await child.waitFor('ready');
    child.signal('SIGTERM');
    const result = await child.exited;
    expect(result).toMatchObject({ code: 0, signal: null });
    expect(result.output).toContain('received SIGTERM: shutting down gracefully (send SIGTERM again to force exit)');
    expect(result.output.indexOf('handler SIGTERM')).toBeLessThan(result.output.indexOf('drained'));
    expect(result.output).toContain('shutdown complete');
  }, 20_000);

  test('a second signal while draining forces exit 1', async () => {
    const child = startChild('hang');
    await child.waitFor('ready');
    child.signal('SIGINT');
    await child.waitFor('handler SIGINT');
    child.signal('SIGTERM');
    const result = await child.exited;
    expect(result).toMatchObject({ code: 1, signal: null });
    expect(result.output).toContain('received SIGTERM again: forcing exit');
    expect(result.output.match(/handler /g)).toHaveLength(1);
  }, 20_000);

  test('a handler that rejects logs the error and exits 1', async () => {
    const child = startChild('fail');
    await child.waitFor('ready');
    child.signal('SIGTERM');
    const result = await child.exited;
    expect(result).toMatchObject({ code: 1, signal: null });
    expect(result.output).toMatch(/shutdown failed: Error: drain failed/);
  }, 20_000);
});

describe('onShutdownSignal listeners', () => {
  test('the handler runs once; the returned function removes the listeners', async () => {
    const before = process.listenerCount('SIGTERM');
    const calls: string[] = [];
    const exits: number[] = [];
    const dispose = onShutdownSignal(
      async (signal) => {
        calls.push(signal);
      },
      { signals: ['SIGTERM'], log: () => undefined, exit: (code) => exits.push(code) },
    );
    expect(process.listenerCount('SIGTERM')).toBe(before + 1);
    process.emit('SIGTERM', 'SIGTERM');
    await Promise.resolve();
    expect(calls).toEqual(['SIGTERM']);
    expect(exits).toEqual([]);
    process.emit('SIGTERM', 'SIGTERM');
    expect(calls).toEqual(['SIGTERM']);
    expect(exits).toEqual([1]);
    dispose();
    expect(process.listenerCount('SIGTERM')).toBe(before);
  });
});
