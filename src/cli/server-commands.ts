/** `worker`, `setup` and `start`: the long-running processes and the one-shot cluster setup. */
import { randomBytes } from 'node:crypto';
import { resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Command } from 'commander';
import { LocalOutbox } from '../activities/local-outbox';
import { toolRegistryProblem, type ToolRegistry } from '../activities/tools';
import { clientConnectionOptions, describeConnection, loadConnectionConfig, loadGuardConfig } from '../config';
import { onShutdownSignal } from '../lifecycle/shutdown';
import {
  createApproverRegistry,
  createCallerRegistry,
  loadApprovers,
  loadCallers,
  type ApproverRegistry,
  type CallerRegistry,
} from '../approvals';
import type { PolicyStore } from '../policy';
import { runApi, type RunningApi } from '../run-api';
import { runWorker } from '../run-worker';
import { freePort, startDevServer, type DevServer } from '../server/dev-server';
import { registerSearchAttributes } from '../server/register-search-attributes';
import { installRuntime } from '../telemetry/install-runtime';
import { DEFAULT_CODEC_PORT, parsePortFlag, startCodecServerFromEnv, uiOrigins } from './codec-server-command';
import { fail } from './output';

/** Loads a tools module: it exports `tools` (a ToolRegistry) or a default export of one. */
async function loadTools(modulePath: string | undefined): Promise<ToolRegistry | undefined> {
  if (!modulePath) return undefined;
  const mod = (await import(resolve(modulePath))) as { tools?: ToolRegistry; default?: ToolRegistry };
  const tools = mod.tools ?? mod.default;
  if (tools === undefined) throw new Error(`${modulePath} must export \`tools\`: an object of tools by name`);
  const problem = toolRegistryProblem(tools);
  if (problem) throw new Error(`${modulePath}: ${problem}`);
  return tools;
}

async function worker(flags: { tools?: string }) {
  const guard = loadGuardConfig();
  const connection = loadConnectionConfig();
  installRuntime({ metricsPort: guard.metricsPort });
  console.error(`durable-guard: connecting to ${describeConnection(connection)}`);
  const running = await runWorker({ connection, guard, tools: await loadTools(flags.tools) });
  onShutdownSignal(async (signal) => {
    console.error(`durable-guard: ${signal}: draining in-flight tasks`);
    await running.shutdown();
  });
  await running.done;
}

async function setup() {
  const config = loadConnectionConfig();
  const connection = await Connection.connect(clientConnectionOptions(config));
  try {
    const added = await registerSearchAttributes(connection, config.namespace);
    console.log(
      added.length
        ? `registered search attributes: ${added.join(', ')}`
        : 'search attributes already registered; nothing to do',
    );
  } finally {
    await connection.close();
  }
}

function banner(
  server: DevServer | undefined,
  address: string,
  apiUrl: string,
  devToken?: string,
  callerToken?: string,
) {
  const ui = server?.uiUrl ?? 'your Temporal Web UI';
  return [
    '',
    `durable-guard is running against Temporal at ${address}${server ? ' (embedded dev server)' : ''}.`,
    `  Web UI:        ${ui}`,
    `  Approvals:     ${apiUrl}/ (inbox), ${apiUrl}/v1/escalations (API), ${apiUrl}/openapi.json`,
    ...(devToken ? [`                 dev approver token (this run only): ${devToken}`] : []),
    ...(callerToken
      ? [
          `  From Python:   TEMPORAL_ADDRESS=${address}, or DURABLE_GUARD_URL=${apiUrl} with`,
          `                 DURABLE_GUARD_CALLER_TOKEN=${callerToken} (this run only; docs/python.md)`,
        ]
      : []),
    '  Guard a call:  npm run cli -- check process_refund \'{"amount": 4200}\'',
    '                 (prints "escalate" with an escalationId; find it in the Web UI: GuardStatus = "pending-approval")',
    '  Approve it:    npm run cli -- approve <escalationId> --by alice --groups finance',
    '  Or deny it:    npm run cli -- deny <escalationId> --reason "over budget"',
    '  Plain Temporal CLI works too: temporal workflow signal --workflow-id <escalationId> --name approve --input \'{"by":"alice"}\'',
    '  Run a batch:   npm run cli -- submit examples/batches/refunds.jsonl --wait   (status/results <batchId>)',
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

interface StartFlags {
  tools?: string;
  port: string;
  uiPort: string;
  codecPort: string;
  apiPort?: string;
}

/**
 * The approvers `start` serves: the configured ones, else (embedded dev server only) one `dev` approver with a
 * fresh random token and every approver group the policy names, so a newcomer can use the inbox at once.
 */
async function startApprovers(
  policy: PolicyStore,
  embedded: boolean,
): Promise<{ registry: ApproverRegistry; devToken?: string }> {
  const configured = await loadApprovers();
  if (configured.size > 0 || !embedded) return { registry: configured };
  const groups = [
    ...new Set(policy.engine.policies.flatMap((p) => p.rules.flatMap((rule) => rule.escalation?.approverGroups ?? []))),
  ];
  const devToken = randomBytes(24).toString('base64url');
  return { registry: createApproverRegistry([{ id: 'dev', groups, token: devToken }], 'start'), devToken };
}

/** The callers of `POST /v1/guard`: the configured ones, else (embedded dev server only) one fresh `dev-caller`. */
function startCallers(approvers: ApproverRegistry, embedded: boolean): { registry: CallerRegistry; token?: string } {
  const configured = loadCallers(process.env, approvers);
  if (configured.size > 0 || !embedded) return { registry: configured };
  const token = randomBytes(24).toString('base64url');
  return { registry: createCallerRegistry([{ id: 'dev-caller', token }], approvers), token };
}

async function start(flags: StartFlags) {
  const guard = loadGuardConfig();
  const port = parsePortFlag(flags.port, '--port');
  const requestedUiPort = parsePortFlag(flags.uiPort, '--ui-port');
  installRuntime({ metricsPort: guard.metricsPort });
  let server: DevServer | undefined;
  const embedded = !process.env.TEMPORAL_ADDRESS;
  // The codec server must know the Web UI's origin before the UI starts: pick the port now.
  const uiPort = embedded && requestedUiPort === 0 ? await freePort() : requestedUiPort;
  // With DURABLE_GUARD_CODEC_KEYS set, the embedded Web UI decodes payloads through our codec server.
  const codec = embedded
    ? await startCodecServerFromEnv({
        port: parsePortFlag(flags.codecPort, '--codec-port'),
        allowedOrigins: uiOrigins(uiPort),
      })
    : undefined;
  const stopAll = async () => {
    await server?.stop();
    await codec?.close();
  };
  if (embedded) {
    console.error('durable-guard: starting the embedded Temporal dev server (TEMPORAL_ADDRESS is not set)');
    try {
      server = await startDevServer({
        dbFilename: resolve(guard.dataDir, 'temporal.db'),
        port,
        uiPort,
        ...(codec ? { uiCodecEndpoint: codec.url } : {}),
      });
    } catch (err) {
      await codec?.close();
      throw err;
    }
    process.env.TEMPORAL_ADDRESS = server.address;
  }
  const connection = loadConnectionConfig();
  // Channels without a webhook notify the inbox instead: a newcomer sees what would have been sent.
  const outbox = new LocalOutbox();
  let running;
  try {
    running = await runWorker({ connection, guard, tools: await loadTools(flags.tools), outbox });
  } catch (err) {
    await stopAll();
    throw err;
  }
  let api: RunningApi;
  let devToken: string | undefined;
  let callerToken: string | undefined;
  try {
    const approvers = await startApprovers(running.policy, embedded);
    devToken = approvers.devToken;
    const callers = startCallers(approvers.registry, embedded);
    callerToken = callers.token;
    api = await runApi({
      connection,
      guard,
      approvers: approvers.registry,
      callers: callers.registry,
      outbox,
      ...(server?.uiUrl && !guard.webUiUrl ? { webUiUrl: server.uiUrl } : {}),
      // The dev banner owns the terminal: log only what needs attention (5xx), not every request.
      logger: { level: 'warn', stream: process.stderr },
      ...(flags.apiPort !== undefined ? { port: parsePortFlag(flags.apiPort, '--api-port') } : {}),
    });
  } catch (err) {
    await running.shutdown();
    await stopAll();
    throw err;
  }
  console.log(banner(server, connection.address, api.url, devToken, callerToken));
  if (codec) console.log(`  Codec server:  ${codec.url} (the Web UI shows decrypted payloads)\n`);
  onShutdownSignal(async (signal) => {
    console.error(`durable-guard: ${signal}: stopping the API, the worker${server ? ' and the dev server' : ''}`);
    await api.close();
    await running.shutdown();
    await stopAll();
  });
  await running.done;
}

async function devServer(flags: Omit<StartFlags, 'codecPort'> & { db?: string }) {
  const guard = loadGuardConfig();
  const server = await startDevServer({
    dbFilename: resolve(flags.db ?? resolve(guard.dataDir, 'temporal.db')),
    port: parsePortFlag(flags.port, '--port'),
    uiPort: parsePortFlag(flags.uiPort, '--ui-port'),
  });
  console.log(
    `Temporal dev server at ${server.address}, Web UI ${server.uiUrl ?? 'off'} (search attributes registered)`,
  );
  await new Promise<void>((resolveStopped) => {
    onShutdownSignal(async () => {
      await server.stop();
      resolveStopped();
    });
  });
}

export function registerServerCommands(program: Command): Command {
  program
    .command('worker')
    .description('run a worker on the task queue (scale by running more)')
    .option('--tools <module>', 'module exporting `tools` for execute-mode calls')
    .action((flags: { tools?: string }) => worker(flags).catch(fail));
  program
    .command('setup')
    .description('register the search attributes on an existing Temporal cluster (safe to repeat)')
    .action(() => setup().catch(fail));
  program
    .command('start')
    .description('start the embedded Temporal dev server (unless TEMPORAL_ADDRESS is set) and a worker')
    .option('--tools <module>', 'module exporting `tools` for execute-mode calls', 'examples/tools/index.ts')
    .option('--port <port>', 'gRPC port of the embedded dev server (0 = any free port)', '7233')
    .option('--ui-port <port>', 'Web UI port of the embedded dev server (0 = any free port)', '8233')
    .option('--codec-port <port>', 'codec server port when DURABLE_GUARD_CODEC_KEYS is set', String(DEFAULT_CODEC_PORT))
    .option('--api-port <port>', 'approval API port (default DURABLE_GUARD_API_PORT or 8080; 0 = any free port)')
    .action((flags: StartFlags) => start(flags).catch(fail));
  program
    .command('dev-server')
    .description('run only the embedded Temporal dev server (SQLite file, Web UI, our search attributes)')
    .option('--port <port>', 'gRPC port (0 = any free port)', '7233')
    .option('--ui-port <port>', 'Web UI port (0 = any free port)', '8233')
    .option('--db <file>', 'SQLite database file (default: <data dir>/temporal.db)')
    .action((flags: Omit<StartFlags, 'codecPort'> & { db?: string }) => devServer(flags).catch(fail));
  return program;
}
