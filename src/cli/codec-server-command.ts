/** `codec-server`: serves /encode and /decode with the DURABLE_GUARD_CODEC_KEYS keys for the Web UI and CLI. */
import type { Command } from 'commander';
import { AesGcmCodec, CODEC_KEYS_ENV, loadCodecKeys, startCodecServer, type CodecServer } from '../codec';
import { ConfigError } from '../config/config-error';
import { onShutdownSignal } from '../lifecycle/shutdown';
import { fail } from './output';

/** Port the codec server listens on unless told otherwise (the one Temporal's codec samples use). */
export const DEFAULT_CODEC_PORT = 8888;

/** Browser origins of a Web UI on `uiPort`, under both loopback names. */
export function uiOrigins(uiPort: number): string[] {
  return [`http://localhost:${uiPort}`, `http://127.0.0.1:${uiPort}`];
}

/**
 * Starts a codec server with the keys from `DURABLE_GUARD_CODEC_KEYS`.
 * @returns undefined when the variable is unset (encryption off).
 */
export async function startCodecServerFromEnv(options: {
  port: number;
  host?: string;
  allowedOrigins: string[];
  env?: NodeJS.ProcessEnv;
}): Promise<CodecServer | undefined> {
  const env = options.env ?? process.env;
  const keys = loadCodecKeys(env);
  if (!keys) return undefined;
  return startCodecServer({
    codec: new AesGcmCodec(keys),
    port: options.port,
    host: options.host ?? '127.0.0.1',
    allowedOrigins: options.allowedOrigins,
  });
}

/** Parses a `--port`-style flag; throws naming the flag. */
export function parsePortFlag(value: string, flag = '--port'): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new Error(`${flag} ${value} is not a port number (0-65535; 0 picks a free one)`);
  }
  return port;
}

async function codecServer(flags: { port: string; host: string; origin: string[] }) {
  const server = await startCodecServerFromEnv({
    port: parsePortFlag(flags.port),
    host: flags.host,
    allowedOrigins: flags.origin,
  });
  if (!server) {
    throw new ConfigError(
      CODEC_KEYS_ENV,
      `${CODEC_KEYS_ENV} is not set: give it the workers' keys, e.g. k1:$(openssl rand -base64 32)`,
    );
  }
  console.log(`durable-guard: codec server at ${server.url} (allowed origins: ${flags.origin.join(', ')})`);
  console.log(`  Web UI:       temporal server start-dev --ui-codec-endpoint ${server.url}`);
  console.log(`  Temporal CLI: temporal workflow show -w <id> --codec-endpoint ${server.url}`);
  onShutdownSignal(() => server.close());
}

export function registerCodecServerCommand(program: Command): Command {
  program
    .command('codec-server')
    .description(`serve /encode and /decode with the ${CODEC_KEYS_ENV} keys, so the Web UI shows decrypted payloads`)
    .option('--port <port>', 'port (0 picks a free one)', String(DEFAULT_CODEC_PORT))
    .option('--host <host>', 'interface to listen on', '127.0.0.1')
    .option('--origin <url...>', 'browser origins allowed to call (the Web UI)', uiOrigins(8233))
    .action((flags: { port: string; host: string; origin: string[] }) => codecServer(flags).catch(fail));
  return program;
}
