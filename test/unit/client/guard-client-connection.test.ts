import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Connection } from '@temporalio/client';
import { GuardClient, type GuardClientOptions } from '../../../src/client';

const API_KEY = 'secret-api-key-0123456789';
/** A real (self-signed, test-only) pair: gRPC parses it when it builds the channel credentials. */
const TLS_FIXTURES = join(__dirname, '..', '..', 'fixtures', 'tls');

let dir: string;
const saved = { ...process.env };
const opened: GuardClient[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'durable-guard-client-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));
beforeEach(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith('TEMPORAL_')) delete process.env[name];
  // No temporal.toml of the machine's user may leak in.
  process.env.XDG_CONFIG_HOME = join(dir, 'no-config');
});
afterEach(async () => {
  process.env = { ...saved };
  await Promise.all(opened.splice(0).map((guard) => guard.client.connection.close()));
});

/** What the GuardClient's own connection was built with: nothing connects, `Connection.lazy` only stores them. */
function built(options: GuardClientOptions = {}) {
  const guard = new GuardClient(options);
  const client = guard.client;
  opened.push(guard);
  const connection = client.connection as Connection;
  return {
    address: connection.options.address,
    // Kept by the SDK next to the typed options; it is what the bearer token header is made from.
    apiKey: (connection.options as { apiKey?: string }).apiKey,
    secure: connection.options.credentials._isSecure(),
    channelArgs: connection.options.channelArgs,
    metadata: connection.options.metadata,
    namespace: client.options.namespace,
  };
}

test('from an empty environment: plaintext to localhost:7233, namespace default', () => {
  expect(built()).toMatchObject({ address: 'localhost:7233', secure: false, namespace: 'default' });
  expect(built().apiKey).toBeUndefined();
});

test('Temporal Cloud from the environment: TLS and the API key, as the worker and CLI read it', () => {
  process.env.TEMPORAL_ADDRESS = 'guard.a1b2c.tmprl.cloud:7233';
  process.env.TEMPORAL_NAMESPACE = 'guard.a1b2c';
  process.env.TEMPORAL_API_KEY = API_KEY;
  expect(built()).toMatchObject({
    address: 'guard.a1b2c.tmprl.cloud:7233',
    apiKey: API_KEY,
    secure: true,
    namespace: 'guard.a1b2c',
  });
});

test('mTLS and a server name from the environment', () => {
  const cert = join(TLS_FIXTURES, 'client.pem');
  const key = join(TLS_FIXTURES, 'client.key');
  Object.assign(process.env, {
    TEMPORAL_TLS_CLIENT_CERT_PATH: cert,
    TEMPORAL_TLS_CLIENT_KEY_PATH: key,
    TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
  });
  const options = built();
  expect(options.secure).toBe(true);
  expect(options.channelArgs).toMatchObject({ 'grpc.ssl_target_name_override': 'temporal.internal' });
});

test('a temporal.toml profile chosen by TEMPORAL_PROFILE', () => {
  const file = join(dir, 'temporal.toml');
  writeFileSync(
    file,
    `[profile.cloud]\naddress = "eu-west-1.aws.api.temporal.io:7233"\nnamespace = "guard.a1b2c"\napi_key = "${API_KEY}"\n`,
  );
  Object.assign(process.env, { TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
  expect(built()).toMatchObject({
    address: 'eu-west-1.aws.api.temporal.io:7233',
    namespace: 'guard.a1b2c',
    apiKey: API_KEY,
    secure: true,
  });
});

test('explicit options win over the environment', () => {
  Object.assign(process.env, { TEMPORAL_ADDRESS: 'env-host:7233', TEMPORAL_NAMESPACE: 'env-ns' });
  expect(built({ address: 'code-host:7233', namespace: 'code-ns' })).toMatchObject({
    address: 'code-host:7233',
    namespace: 'code-ns',
    secure: false,
  });
  expect(built({ apiKey: API_KEY })).toMatchObject({ address: 'env-host:7233', apiKey: API_KEY, secure: true });
  process.env.TEMPORAL_TLS = 'true';
  expect(built({ tls: false }).secure).toBe(false);
});

test('a wrong environment fails on first use with a ConfigError naming the variable, never the key', () => {
  Object.assign(process.env, { TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' });
  const guard = new GuardClient();
  expect(() => guard.client).toThrow(
    expect.objectContaining({ name: 'ConfigError', variable: 'TEMPORAL_TLS' }) as unknown as Error,
  );
  let message = '';
  try {
    void guard.client;
  } catch (err) {
    message = (err as Error).message;
  }
  expect(message).toMatch(/never sent unencrypted/);
  expect(message).not.toContain(API_KEY);
});

test.each<[unknown, RegExp]>([
  ['soon', /unavailableAfter "soon" is not a duration like '10s' or 10000/],
  [0, /unavailableAfter 0 must be more than 0/],
  [-5, /must be more than 0/],
])('unavailableAfter %p is refused with a GuardInputError', (bound, message) => {
  expect(() => new GuardClient({ unavailableAfter: bound as never })).toThrow(message);
  expect(() => new GuardClient({ unavailableAfter: bound as never })).toThrow(
    expect.objectContaining({ name: 'GuardInputError' }) as unknown as Error,
  );
});
