import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clientConnectionOptions,
  ConfigError,
  describeConnection,
  loadConnectionConfig,
  nativeConnectionOptions,
} from '../../../src/config';

const CERT = '-----BEGIN CERTIFICATE-----\nY2xpZW50LWNlcnQ=\n-----END CERTIFICATE-----\n';
const KEY = '-----BEGIN PRIVATE KEY-----\nY2xpZW50LWtleQ==\n-----END PRIVATE KEY-----\n';
const CA = '-----BEGIN CERTIFICATE-----\nc2VydmVyLWNh\n-----END CERTIFICATE-----\n';
const API_KEY = 'secret-api-key-0123456789';

let dir: string;
let certPath: string;
let keyPath: string;
let caPath: string;
let emptyPath: string;
let subdir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'durable-guard-config-'));
  certPath = join(dir, 'client.pem');
  keyPath = join(dir, 'client.key');
  caPath = join(dir, 'ca.pem');
  emptyPath = join(dir, 'empty.pem');
  subdir = join(dir, 'certs');
  writeFileSync(certPath, CERT);
  writeFileSync(keyPath, KEY);
  writeFileSync(caPath, CA);
  writeFileSync(emptyPath, '');
  mkdirSync(subdir);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('loadConnectionConfig', () => {
  test('defaults to a plaintext local server in the default namespace', () => {
    expect(loadConnectionConfig({})).toEqual({ address: 'localhost:7233', namespace: 'default', tls: false });
  });

  test.each<[string, NodeJS.ProcessEnv, { address: string; namespace: string }]>([
    [
      'a compose service name',
      { TEMPORAL_ADDRESS: 'temporal:7233' },
      { address: 'temporal:7233', namespace: 'default' },
    ],
    ['an IPv4 address', { TEMPORAL_ADDRESS: '10.0.0.5:7233' }, { address: '10.0.0.5:7233', namespace: 'default' }],
    ['a bracketed IPv6 address', { TEMPORAL_ADDRESS: '[::1]:7233' }, { address: '[::1]:7233', namespace: 'default' }],
    [
      'a Temporal Cloud endpoint',
      { TEMPORAL_ADDRESS: 'guard.a1b2c.tmprl.cloud:7233', TEMPORAL_NAMESPACE: 'guard.a1b2c' },
      { address: 'guard.a1b2c.tmprl.cloud:7233', namespace: 'guard.a1b2c' },
    ],
    [
      'blank values as unset',
      { TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: '  ' },
      { address: 'localhost:7233', namespace: 'default' },
    ],
    ['TLS explicitly off', { TEMPORAL_TLS: 'false' }, { address: 'localhost:7233', namespace: 'default' }],
  ])('accepts %s', (_name, env, expected) => {
    expect(loadConnectionConfig(env)).toMatchObject({ ...expected, tls: false });
  });

  test('an API key turns TLS on without further settings', () => {
    const config = loadConnectionConfig({
      TEMPORAL_ADDRESS: 'guard.a1b2c.tmprl.cloud:7233',
      TEMPORAL_API_KEY: API_KEY,
    });
    expect(config).toEqual({ address: 'guard.a1b2c.tmprl.cloud:7233', namespace: 'default', apiKey: API_KEY, tls: {} });
  });

  test.each(['true', 'TRUE', '1', 'yes'])('TEMPORAL_TLS=%s turns on TLS with system roots', (flag) => {
    expect(loadConnectionConfig({ TEMPORAL_TLS: flag }).tls).toEqual({});
  });

  test('mTLS reads the client certificate, key and server CA at load time', () => {
    const config = loadConnectionConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: certPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: caPath,
      TEMPORAL_TLS_SERVER_NAME: 'temporal.internal',
    });
    expect(config.tls).not.toBe(false);
    if (config.tls === false) return;
    expect(config.tls.serverNameOverride).toBe('temporal.internal');
    expect(Buffer.from(config.tls.serverRootCACertificate ?? []).toString()).toBe(CA);
    expect(Buffer.from(config.tls.clientCertPair?.crt ?? []).toString()).toBe(CERT);
    expect(Buffer.from(config.tls.clientCertPair?.key ?? []).toString()).toBe(KEY);
  });

  test('a server name alone turns TLS on', () => {
    expect(loadConnectionConfig({ TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }).tls).toEqual({
      serverNameOverride: 'temporal.internal',
    });
  });

  test.each<[string, () => NodeJS.ProcessEnv, string, RegExp]>([
    [
      'a URL',
      () => ({ TEMPORAL_ADDRESS: 'http://localhost:7233' }),
      'TEMPORAL_ADDRESS',
      /is not host:port.*no http:\/\//,
    ],
    ['no port', () => ({ TEMPORAL_ADDRESS: 'localhost' }), 'TEMPORAL_ADDRESS', /'localhost' is not host:port/],
    ['port 0', () => ({ TEMPORAL_ADDRESS: 'localhost:0' }), 'TEMPORAL_ADDRESS', /is not host:port/],
    ['port 70000', () => ({ TEMPORAL_ADDRESS: 'localhost:70000' }), 'TEMPORAL_ADDRESS', /is not host:port/],
    ['unbracketed IPv6', () => ({ TEMPORAL_ADDRESS: '::1:7233' }), 'TEMPORAL_ADDRESS', /IPv6 as \[::1\]:7233/],
    ['a namespace with spaces', () => ({ TEMPORAL_NAMESPACE: 'my ns' }), 'TEMPORAL_NAMESPACE', /contains whitespace/],
    [
      'TEMPORAL_TLS=maybe',
      () => ({ TEMPORAL_TLS: 'maybe' }),
      'TEMPORAL_TLS',
      /'maybe' is not a boolean: set it to true or false/,
    ],
    [
      'a cert without a key',
      () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: certPath }),
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      /^TEMPORAL_TLS_CLIENT_CERT_PATH is set but TEMPORAL_TLS_CLIENT_KEY_PATH is not: mTLS needs both$/,
    ],
    [
      'a key without a cert',
      () => ({ TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath }),
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      /^TEMPORAL_TLS_CLIENT_KEY_PATH is set but TEMPORAL_TLS_CLIENT_CERT_PATH is not: mTLS needs both$/,
    ],
    [
      'a missing cert file',
      () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: join(dir, 'nope.pem'), TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath }),
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      /nope\.pem' does not exist: point it at a readable PEM file/,
    ],
    [
      'a directory as key file',
      () => ({ TEMPORAL_TLS_CLIENT_CERT_PATH: certPath, TEMPORAL_TLS_CLIENT_KEY_PATH: subdir }),
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      /is a directory/,
    ],
    [
      'an empty CA file',
      () => ({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: emptyPath }),
      'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
      /is an empty file/,
    ],
    [
      'TLS off with a client cert',
      () => ({ TEMPORAL_TLS: 'false', TEMPORAL_TLS_CLIENT_CERT_PATH: certPath, TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath }),
      'TEMPORAL_TLS',
      /TEMPORAL_TLS=false but TEMPORAL_TLS_CLIENT_CERT_PATH is set/,
    ],
    [
      'TLS off with an API key',
      () => ({ TEMPORAL_TLS: 'false', TEMPORAL_API_KEY: API_KEY }),
      'TEMPORAL_TLS',
      /an API key is never sent unencrypted, remove TEMPORAL_TLS=false/,
    ],
  ])('rejects %s, naming the variable', (_name, makeEnv, variable, message) => {
    const env = makeEnv();
    let caught: unknown;
    try {
      loadConnectionConfig(env);
    } catch (error) {
      caught = error;
    }
    expect(caught).toBeInstanceOf(ConfigError);
    expect(caught).toMatchObject({ name: 'ConfigError', variable });
    expect((caught as Error).message).toMatch(message);
  });

  test.each<[string, NodeJS.ProcessEnv]>([
    ['TLS off', { TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS: 'false' }],
    ['a bad address', { TEMPORAL_API_KEY: API_KEY, TEMPORAL_ADDRESS: 'nope' }],
    ['a half mTLS pair', { TEMPORAL_API_KEY: API_KEY, TEMPORAL_TLS_CLIENT_KEY_PATH: '/x' }],
  ])('never puts the API key in an error message (%s)', (_name, env) => {
    const error = captureError(() => loadConnectionConfig(env));
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).not.toContain(API_KEY);
  });

  test('a file read failure keeps the operating-system error as cause', () => {
    const error = captureError(() =>
      loadConnectionConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'missing-ca.pem') }),
    );
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ENOENT');
  });
});

describe('loadConnectionConfig through envconfig: temporal.toml profiles and explicit options', () => {
  function writeToml(name: string, text: string): string {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  }

  test('a temporal.toml profile turns on TLS with its API key', () => {
    const file = writeToml(
      'cloud.toml',
      `[profile.cloud]\naddress = "eu-west-1.aws.api.temporal.io:7233"\nnamespace = "guard.a1b2c"\napi_key = "${API_KEY}"\n`,
    );
    const config = loadConnectionConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_PROFILE: 'cloud' });
    expect(config).toEqual({
      address: 'eu-west-1.aws.api.temporal.io:7233',
      namespace: 'guard.a1b2c',
      apiKey: API_KEY,
      tls: {},
    });
  });

  test('the default profile is used without TEMPORAL_PROFILE, and variables win over it', () => {
    const file = writeToml('default.toml', '[profile.default]\naddress = "file-host:7233"\nnamespace = "from-file"\n');
    expect(loadConnectionConfig({ TEMPORAL_CONFIG_FILE: file })).toMatchObject({
      address: 'file-host:7233',
      namespace: 'from-file',
      tls: false,
    });
    expect(loadConnectionConfig({ TEMPORAL_CONFIG_FILE: file, TEMPORAL_ADDRESS: 'env-host:7233' })).toMatchObject({
      address: 'env-host:7233',
      namespace: 'from-file',
    });
  });

  test('the default file location is $XDG_CONFIG_HOME/temporalio/temporal.toml', () => {
    const home = join(dir, 'xdg');
    mkdirSync(join(home, 'temporalio'), { recursive: true });
    writeFileSync(join(home, 'temporalio', 'temporal.toml'), '[profile.default]\naddress = "xdg-host:7233"\n');
    expect(loadConnectionConfig({ XDG_CONFIG_HOME: home }).address).toBe('xdg-host:7233');
  });

  test('a profile reads its mTLS files and server name', () => {
    const file = writeToml(
      'mtls.toml',
      [
        '[profile.default]',
        'address = "temporal.internal:7233"',
        '[profile.default.tls]',
        `client_cert_path = "${certPath}"`,
        `client_key_path = "${keyPath}"`,
        `server_ca_cert_path = "${caPath}"`,
        'server_name = "temporal.internal"',
      ].join('\n'),
    );
    const config = loadConnectionConfig({ TEMPORAL_CONFIG_FILE: file });
    expect(config.tls).toEqual({
      serverNameOverride: 'temporal.internal',
      serverRootCACertificate: Buffer.from(CA),
      clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) },
    });
  });

  test('certificate contents can come inline from TEMPORAL_TLS_*_DATA', () => {
    const config = loadConnectionConfig({ TEMPORAL_TLS_CLIENT_CERT_DATA: CERT, TEMPORAL_TLS_CLIENT_KEY_DATA: KEY });
    expect(config.tls).not.toBe(false);
    if (config.tls === false) return;
    expect(Buffer.from(config.tls.clientCertPair?.crt ?? []).toString()).toBe(CERT);
    expect(Buffer.from(config.tls.clientCertPair?.key ?? []).toString()).toBe(KEY);
  });

  test('TEMPORAL_GRPC_META_* headers reach the connection options', () => {
    const config = loadConnectionConfig({ TEMPORAL_GRPC_META_X_TENANT: 'acme' });
    expect(config.metadata).toEqual({ 'x-tenant': 'acme' });
    expect(clientConnectionOptions(config).metadata).toEqual({ 'x-tenant': 'acme' });
  });

  test.each<[string, () => NodeJS.ProcessEnv, string, RegExp]>([
    [
      'a missing key file named in a profile',
      () => ({
        TEMPORAL_CONFIG_FILE: writeToml(
          'missing-key.toml',
          `[profile.default.tls]\nclient_cert_path = "${certPath}"\nclient_key_path = "${join(dir, 'gone.key')}"\n`,
        ),
      }),
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      /^client_key_path of profile 'default' in .*missing-key\.toml='.*gone\.key' does not exist: point it at a readable PEM file$/,
    ],
    [
      'a profile with a cert and no key',
      () => ({
        TEMPORAL_CONFIG_FILE: writeToml('half.toml', `[profile.default.tls]\nclient_cert_path = "${certPath}"\n`),
      }),
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      /client_cert_path of profile 'default' .* is set but TEMPORAL_TLS_CLIENT_KEY_PATH is not: mTLS needs both/,
    ],
    [
      'a profile with TLS disabled and an API key',
      () => ({
        TEMPORAL_CONFIG_FILE: writeToml(
          'off.toml',
          `[profile.default]\napi_key = "${API_KEY}"\n[profile.default.tls]\ndisabled = true\n`,
        ),
      }),
      'TEMPORAL_TLS',
      /tls\.disabled in profile 'default' but api_key of profile 'default' is set: an API key is never sent unencrypted/,
    ],
    [
      'a config file that does not exist',
      () => ({ TEMPORAL_CONFIG_FILE: join(dir, 'nope.toml') }),
      'TEMPORAL_CONFIG_FILE',
      /nope\.toml' does not exist: point it at a readable TOML file/,
    ],
    [
      'a profile the file lacks',
      () => ({ TEMPORAL_CONFIG_FILE: writeToml('one.toml', '[profile.default]\n'), TEMPORAL_PROFILE: 'prod' }),
      'TEMPORAL_PROFILE',
      /TEMPORAL_PROFILE='prod' names no profile in .*one\.toml: add \[profile\.prod\]/,
    ],
    [
      'invalid TOML',
      () => ({ TEMPORAL_CONFIG_FILE: writeToml('bad.toml', `[profile.default]\napi_key = "${API_KEY}\n`) }),
      'TEMPORAL_CONFIG_FILE',
      /bad\.toml is not valid TOML at line 2/,
    ],
    [
      'host verification off',
      () => ({ TEMPORAL_TLS_DISABLE_HOST_VERIFICATION: 'true' }),
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
      /not supported by the TypeScript SDK/,
    ],
  ])('rejects %s, naming the setting', (_name, makeEnv, variable, message) => {
    const error = captureError(() => loadConnectionConfig(makeEnv()));
    expect(error).toMatchObject({ name: 'ConfigError', variable });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(API_KEY);
  });

  test('explicit options win over the environment and the profile', () => {
    const env = { TEMPORAL_ADDRESS: 'env-host:7233', TEMPORAL_NAMESPACE: 'env-ns', TEMPORAL_API_KEY: API_KEY };
    expect(loadConnectionConfig(env, { address: 'code-host:7233', namespace: 'code-ns' })).toEqual({
      address: 'code-host:7233',
      namespace: 'code-ns',
      apiKey: API_KEY,
      tls: {},
    });
    expect(loadConnectionConfig({}, { apiKey: 'other-key' })).toMatchObject({ apiKey: 'other-key', tls: {} });
    expect(loadConnectionConfig({ TEMPORAL_TLS: 'false' }, { tls: true }).tls).toEqual({});
  });

  test("explicit TLS settings replace the environment's, whose files are then not read", () => {
    const tls = { serverNameOverride: 'code.internal' };
    const config = loadConnectionConfig({ TEMPORAL_TLS_SERVER_CA_CERT_PATH: join(dir, 'absent-ca.pem') }, { tls });
    expect(config.tls).toEqual(tls);
  });

  test.each<[string, NodeJS.ProcessEnv, { address?: string; tls?: boolean }, string, RegExp]>([
    ['a bad address option', {}, { address: 'http://x:1' }, 'address', /^address='http:\/\/x:1' is not host:port/],
    [
      'tls: false with an API key from the environment',
      { TEMPORAL_API_KEY: API_KEY },
      { tls: false },
      'TEMPORAL_TLS',
      /the tls: false option but TEMPORAL_API_KEY is set: an API key is never sent unencrypted, drop tls: false/,
    ],
  ])('rejects %s', (_name, env, overrides, variable, message) => {
    const error = captureError(() => loadConnectionConfig(env, overrides));
    expect(error).toMatchObject({ name: 'ConfigError', variable });
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain(API_KEY);
  });
});

describe('connection options', () => {
  test('plaintext: address and tls false, no API key', () => {
    const config = loadConnectionConfig({ TEMPORAL_ADDRESS: 'temporal:7233' });
    expect(clientConnectionOptions(config)).toEqual({ address: 'temporal:7233', tls: false });
    expect(nativeConnectionOptions(config)).toEqual({ address: 'temporal:7233', tls: false });
  });

  test('Temporal Cloud with an API key: apiKey and TLS on for both connection kinds', () => {
    const config = loadConnectionConfig({
      TEMPORAL_ADDRESS: 'guard.a1b2c.tmprl.cloud:7233',
      TEMPORAL_API_KEY: API_KEY,
    });
    const expected = { address: 'guard.a1b2c.tmprl.cloud:7233', tls: {}, apiKey: API_KEY };
    expect(clientConnectionOptions(config)).toEqual(expected);
    expect(nativeConnectionOptions(config)).toEqual(expected);
  });

  test('mTLS: the certificate pair is passed through', () => {
    const config = loadConnectionConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: certPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath,
    });
    const tls = nativeConnectionOptions(config).tls;
    expect(tls).toMatchObject({ clientCertPair: { crt: Buffer.from(CERT), key: Buffer.from(KEY) } });
    expect(clientConnectionOptions(config).tls).toEqual(tls);
  });
});

describe('describeConnection', () => {
  test.each<[string, NodeJS.ProcessEnv, string]>([
    ['defaults', {}, 'localhost:7233 namespace default (plaintext)'],
    [
      'API key',
      { TEMPORAL_API_KEY: API_KEY, TEMPORAL_NAMESPACE: 'g.a1' },
      'localhost:7233 namespace g.a1 (TLS, API key)',
    ],
    [
      'server name',
      { TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' },
      'localhost:7233 namespace default (TLS, server name temporal.internal)',
    ],
  ])('%s', (_name, env, description) => {
    expect(describeConnection(loadConnectionConfig(env))).toBe(description);
  });

  test('mentions mTLS and a custom CA but no secret', () => {
    const config = loadConnectionConfig({
      TEMPORAL_TLS_CLIENT_CERT_PATH: certPath,
      TEMPORAL_TLS_CLIENT_KEY_PATH: keyPath,
      TEMPORAL_TLS_SERVER_CA_CERT_PATH: caPath,
      TEMPORAL_API_KEY: API_KEY,
    });
    const description = describeConnection(config);
    expect(description).toBe(
      'localhost:7233 namespace default (TLS, mTLS client certificate, custom server CA, API key)',
    );
    expect(description).not.toContain(API_KEY);
  });
});

function captureError(fn: () => unknown): Error {
  try {
    fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected the call to throw');
}
