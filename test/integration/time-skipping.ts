/**
 * A time-skipping test environment on Temporal's Java test server, started by us and given the time it needs.
 *
 * `TestWorkflowEnvironment.createTimeSkipping` starts the server itself and waits a fixed 5 s for it (sdk-core's
 * ephemeral server: 50 tries 100 ms apart, not configurable), which a JVM on a loaded 2-core machine misses. So this
 * starts the launcher that scripts/obtain-test-server.sh writes (fast-start JVM flags, class-data archive), waits
 * up to a minute for it to answer, and builds the SDK's own time-skipping environment on that address: the
 * environment's client unlocks time skipping while a result is awaited and `env.sleep` skips, exactly as with
 * `createTimeSkipping`. Teardown closes the connections, then ends the server process.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { temporal } from '@temporalio/proto';
import { freePort } from '../../src/server/dev-server';
import { GUARD_SEARCH_ATTRIBUTES } from '../../src/workflows/definitions';

/** Pinned in scripts/obtain-test-server.sh too. */
const TEST_SERVER_VERSION = '1.31.0';
const READY_TIMEOUT_MS = 60_000;

const IndexedValueType = temporal.api.enums.v1.IndexedValueType;
const SA_TYPES: Record<string, temporal.api.enums.v1.IndexedValueType> = {
  KEYWORD: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD,
  KEYWORD_LIST: IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD_LIST,
};

/** The SDK's own constructor of environments, which `createTimeSkipping` and `createFromExistingServer` call. */
type CreateEnvironment = (options: {
  server: { type: 'existing' };
  address: string;
  namespace: string;
  supportsTimeSkipping: true;
}) => Promise<TestWorkflowEnvironment>;

/** The launcher, obtained (resolved from Maven Central into the cache) on first use. */
export function timeSkippingServerPath(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DG_TIME_SKIPPING_SERVER) return env.DG_TIME_SKIPPING_SERVER;
  const cache = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  const launcher = join(cache, 'durable-guard', `temporal-test-server-${TEST_SERVER_VERSION}`, 'test-server');
  if (!existsSync(launcher)) {
    const script = resolve(__dirname, '../../scripts/obtain-test-server.sh');
    spawnSync('sh', [script], { stdio: ['ignore', 'inherit', 'inherit'] });
  }
  if (!existsSync(launcher)) {
    throw new Error(`the time-skipping test server is missing at ${launcher}: run sh scripts/obtain-test-server.sh`);
  }
  return launcher;
}

async function waitUntilServing(address: string, child: ChildProcess, logFile: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(`the time-skipping test server exited (${child.exitCode ?? child.signalCode}); see ${logFile}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 2_000 });
      try {
        await connection.workflowService.getSystemInfo({});
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(
    `the time-skipping test server at ${address} did not answer in ${READY_TIMEOUT_MS} ms: ${String(lastError)}`,
  );
}

export interface TimeSkippingServer {
  env: TestWorkflowEnvironment;
  teardown(): Promise<void>;
}

/** Starts the Java test server on a free port and returns the SDK's time-skipping environment on it. */
export async function startTimeSkipping(): Promise<TimeSkippingServer> {
  const launcher = timeSkippingServerPath();
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const logFile = join(
    process.env.DG_TEST_DIR ?? mkdtempSync(join(tmpdir(), 'durable-guard-ts-')),
    `test-server-${port}.log`,
  );
  const log = createWriteStream(logFile);
  // Without --enable-time-skipping the server starts with time skipping locked, as createTimeSkipping starts it: the
  // environment's client unlocks it only while it awaits a result, and env.sleep skips exactly the time asked.
  const child = spawn(launcher, [String(port)], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const stop = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
    await exited;
    clearTimeout(timer);
  };
  try {
    await waitUntilServing(address, child, logFile);
    const create = (TestWorkflowEnvironment as unknown as { create: CreateEnvironment }).create;
    if (typeof create !== 'function') {
      throw new Error(
        '@temporalio/testing no longer has TestWorkflowEnvironment.create: adapt test/integration/time-skipping.ts',
      );
    }
    const env = await create.call(TestWorkflowEnvironment, {
      server: { type: 'existing' },
      address,
      namespace: 'default',
      supportsTimeSkipping: true,
    });
    // The Java test server takes our search attributes (it does not list them back).
    await env.connection.operatorService.addSearchAttributes({
      namespace: 'default',
      searchAttributes: Object.fromEntries(GUARD_SEARCH_ATTRIBUTES.map((key) => [key.name, SA_TYPES[key.type]!])),
    });
    return {
      env,
      async teardown() {
        await env.teardown();
        await stop();
        log.end();
      },
    };
  } catch (err) {
    await stop();
    log.end();
    throw err;
  }
}
