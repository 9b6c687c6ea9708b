/** `worker`, `setup` and `start`: the long-running processes and the one-shot cluster setup. */
import { resolve } from 'node:path';
import { Connection } from '@temporalio/client';
import type { Command } from 'commander';
import type { ToolRegistry } from '../activities/tools';
import { clientConnectionOptions, describeConnection, loadConnectionConfig, loadGuardConfig } from '../config';
import { onShutdownSignal } from '../lifecycle/shutdown';
import { runWorker } from '../run-worker';
import { startDevServer, type DevServer } from '../server/dev-server';
import { registerSearchAttributes } from '../server/register-search-attributes';
import { installRuntime } from '../telemetry/install-runtime';
import { DEFAULT_CODEC_PORT, parsePortFlag, startCodecServerFromEnv, uiOrigins } from './codec-server-command';
import { fail } from './output';

/** Loads a tools module: it exports `tools` (a ToolRegistry) or a default export of one. */
async function loadTools(modulePath: string | undefined): Promise<ToolRegistry | undefined> {
  if (!modulePath) return undefined;
  const mod = (await import(resolve(modulePath))) as { tools?: ToolRegistry; default?: ToolRegistry };
  const tools = mod.tools ?? mod.default;
  if (!tools || typeof tools !== 'object') {
    throw new Error(`${modulePath} must export \`tools\`: an object of tool functions by name`);
  }
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

function banner(server: DevServer | undefined, address: string) {
  const ui = server?.uiUrl ?? 'your Temporal Web UI';
  return [
    '',
    `durable-guard is running against Temporal at ${address}${server ? ' (embedded dev server)' : ''}.`,
    `  Web UI:        ${ui}`,
    '  Guard a call:  npm run cli -- check process_refund \'{"amount": 4200}\'',
    '                 (prints "escalate" with an escalationId; find it in the Web UI: GuardStatus = "pending-approval")',
    '  Approve it:    npm run cli -- approve <escalationId> --by alice',
    '  Or deny it:    npm run cli -- deny <escalationId> --reason "over budget"',
    '  Plain Temporal CLI works too: temporal workflow signal --workflow-id <escalationId> --name approve --input \'{"by":"alice"}\'',
    '  Press Ctrl-C to stop.',
    '',
  ].join('\n');
}

async function start(flags: { tools?: string; codecPort: string }) {
  const guard = loadGuardConfig();
  installRuntime({ metricsPort: guard.metricsPort });
  let server: DevServer | undefined;
  // With DURABLE_GUARD_CODEC_KEYS set, the embedded Web UI decodes payloads through our codec server.
  const codec = process.env.TEMPORAL_ADDRESS
    ? undefined
    : await startCodecServerFromEnv({
        port: parsePortFlag(flags.codecPort, '--codec-port'),
        allowedOrigins: uiOrigins(8233),
      });
  const stopAll = async () => {
    await server?.stop();
    await codec?.close();
  };
  if (!process.env.TEMPORAL_ADDRESS) {
    console.error('durable-guard: starting the embedded Temporal dev server (TEMPORAL_ADDRESS is not set)');
    try {
      server = await startDevServer({
        dbFilename: resolve(guard.dataDir, 'temporal.db'),
        ...(codec ? { uiCodecEndpoint: codec.url } : {}),
      });
    } catch (err) {
      await codec?.close();
      throw err;
    }
    process.env.TEMPORAL_ADDRESS = server.address;
  }
  const connection = loadConnectionConfig();
  let running;
  try {
    running = await runWorker({ connection, guard, tools: await loadTools(flags.tools) });
  } catch (err) {
    await stopAll();
    throw err;
  }
  console.log(banner(server, connection.address));
  if (codec) console.log(`  Codec server:  ${codec.url} (the Web UI shows decrypted payloads)\n`);
  onShutdownSignal(async (signal) => {
    console.error(`durable-guard: ${signal}: stopping the worker${server ? ' and the dev server' : ''}`);
    await running.shutdown();
    await stopAll();
  });
  await running.done;
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
    .option('--codec-port <port>', 'codec server port when DURABLE_GUARD_CODEC_KEYS is set', String(DEFAULT_CODEC_PORT))
    .action((flags: { tools?: string; codecPort: string }) => start(flags).catch(fail));
  return program;
}
