import type { TLSConfig } from '@temporalio/client';
import { loadClientConfigProfile, toClientOptions, type ClientConfigProfile } from '@temporalio/envconfig';
import { ConfigError } from './config-error';
import { parseBoolean, parseHostPort, parseName, present, readFileVariable } from './env-values';

/** Where and how to reach Temporal: a local dev server, a self-hosted cluster or Temporal Cloud. */
export interface ConnectionConfig {
  /** `host:port` of the Temporal frontend. */
  address: string;
  namespace: string;
  /** Temporal Cloud API key; sent as a bearer token, always over TLS. */
  apiKey?: string;
  /** TLS settings with certificate contents already read, or `false` for plaintext. */
  tls: TLSConfig | false;
  /** gRPC headers sent with every call (`TEMPORAL_GRPC_META_*`, a profile's `grpc_meta`). */
  metadata?: Record<string, string>;
}

/** Connection settings given in code; each one present wins over the environment and the profile. */
export interface ConnectionOverrides {
  address?: string;
  namespace?: string;
  apiKey?: string;
  /** `true` for TLS with system roots, `false` for plaintext, or the TLS settings themselves. */
  tls?: TLSConfig | boolean;
}

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/** The TLS settings of a profile, with the environment variable that sets each one. */
const TLS_SETTINGS = [
  {
    key: 'clientCert',
    variable: 'TEMPORAL_TLS_CLIENT_CERT_PATH',
    dataVariable: 'TEMPORAL_TLS_CLIENT_CERT_DATA',
    toml: 'client_cert_path',
  },
  {
    key: 'clientKey',
    variable: 'TEMPORAL_TLS_CLIENT_KEY_PATH',
    dataVariable: 'TEMPORAL_TLS_CLIENT_KEY_DATA',
    toml: 'client_key_path',
  },
  {
    key: 'serverCACert',
    variable: 'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
    dataVariable: 'TEMPORAL_TLS_SERVER_CA_CERT_DATA',
    toml: 'server_ca_cert_path',
  },
] as const;

/**
 * Reads the Temporal connection settings the way the Temporal CLI and SDKs do, through `@temporalio/envconfig`:
 * the `TEMPORAL_*` variables over the `temporal.toml` profile (`TEMPORAL_CONFIG_FILE`, `TEMPORAL_PROFILE`),
 * then `overrides` over both. Certificate files are read now so that a wrong path fails at startup with the
 * variable named.
 * @throws ConfigError naming the variable and the fix; the API key never appears in a message.
 */
export function loadConnectionConfig(
  env: NodeJS.ProcessEnv = process.env,
  overrides: ConnectionOverrides = {},
): ConnectionConfig {
  const vars = envconfigVariables(env);
  const source = describeSource(vars);
  const profile = loadProfile(vars, source);
  applyOverrides(profile, overrides);

  const address = parseHostPort(
    overrides.address !== undefined ? 'address' : 'TEMPORAL_ADDRESS',
    profile.address ?? DEFAULT_TEMPORAL_ADDRESS,
  );
  const namespace = parseName(
    overrides.namespace !== undefined ? 'namespace' : 'TEMPORAL_NAMESPACE',
    profile.namespace ?? DEFAULT_TEMPORAL_NAMESPACE,
  );
  checkTls(profile, vars, source, overrides);
  readCertificates(profile, vars, source);

  const { connectionOptions } = toClientOptions(profile);
  const tls = tlsFrom(overrides.tls, connectionOptions.tls);
  const config: ConnectionConfig = { address, namespace, tls };
  if (profile.apiKey !== undefined) config.apiKey = profile.apiKey;
  if (profile.grpcMeta !== undefined && Object.keys(profile.grpcMeta).length > 0) config.metadata = profile.grpcMeta;
  return config;
}

/**
 * Our environment as envconfig reads it: blank values count as unset (so `FOO=` in a compose file means "use
 * the default") and `TEMPORAL_TLS` is checked here, because envconfig takes anything but `true`/`1` as `false`.
 */
function envconfigVariables(env: NodeJS.ProcessEnv): Record<string, string> {
  const vars: Record<string, string> = {};
  for (const [name, raw] of Object.entries(env)) {
    if (!name.startsWith('TEMPORAL_')) {
      if (raw !== undefined) vars[name] = raw;
    } else if (present(raw) !== undefined) {
      // Certificate contents keep their exact bytes; names and flags lose stray spaces.
      vars[name] = name.endsWith('_DATA') ? (raw as string) : (present(raw) as string);
    }
  }
  const tls = parseBoolean('TEMPORAL_TLS', vars.TEMPORAL_TLS);
  if (tls !== undefined) vars.TEMPORAL_TLS = String(tls);
  if (parseBoolean('TEMPORAL_TLS_DISABLE_HOST_VERIFICATION', vars.TEMPORAL_TLS_DISABLE_HOST_VERIFICATION)) {
    throw new ConfigError(
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION',
      'TEMPORAL_TLS_DISABLE_HOST_VERIFICATION=true is not supported by the TypeScript SDK: set ' +
        'TEMPORAL_TLS_SERVER_NAME to the name in the server certificate, or TEMPORAL_TLS_SERVER_CA_CERT_PATH to its CA',
    );
  }
  return vars;
}

interface ProfileSource {
  /** The profile's name, `default` unless `TEMPORAL_PROFILE` says otherwise. */
  profile: string;
  /** The config file named by `TEMPORAL_CONFIG_FILE`, else envconfig's default location. */
  file: string;
}

function describeSource(vars: Record<string, string>): ProfileSource {
  return {
    profile: vars.TEMPORAL_PROFILE ?? 'default',
    file: vars.TEMPORAL_CONFIG_FILE ?? 'temporal.toml (in $XDG_CONFIG_HOME/temporalio or ~/.config/temporalio)',
  };
}

function loadProfile(vars: Record<string, string>, source: ProfileSource): ClientConfigProfile {
  const configFile = vars.TEMPORAL_CONFIG_FILE;
  // envconfig ignores a missing file, which would silently drop a Cloud profile: a named file must exist.
  const configSource =
    configFile === undefined
      ? undefined
      : { data: readFileVariable('TEMPORAL_CONFIG_FILE', configFile, { what: 'TOML file' }).toString('utf8') };
  try {
    return loadClientConfigProfile({ overrideEnvVars: vars, ...(configSource ? { configSource } : {}) });
  } catch (error) {
    throw profileError(error, source);
  }
}

function profileError(error: unknown, source: ProfileSource): ConfigError {
  const message = error instanceof Error ? error.message : String(error);
  if (/^Profile '.*' not found/.test(message)) {
    return new ConfigError(
      'TEMPORAL_PROFILE',
      `TEMPORAL_PROFILE='${source.profile}' names no profile in ${source.file}: add [profile.${source.profile}] ` +
        'there, or unset TEMPORAL_PROFILE',
      { cause: error },
    );
  }
  const tomlError = error as { line?: unknown; column?: unknown };
  if (typeof tomlError.line === 'number') {
    // The TOML parser quotes the offending lines, which may hold the API key: keep only the first line.
    const problem = message.split('\n')[0];
    return new ConfigError(
      'TEMPORAL_CONFIG_FILE',
      `${source.file} is not valid TOML at line ${tomlError.line}, column ${String(tomlError.column)}: ${problem}`,
    );
  }
  return new ConfigError('TEMPORAL_CONFIG_FILE', `${source.file}, profile '${source.profile}': ${message}`, {
    cause: error,
  });
}

function applyOverrides(profile: ClientConfigProfile, overrides: ConnectionOverrides): void {
  if (overrides.address !== undefined) profile.address = overrides.address;
  if (overrides.namespace !== undefined) profile.namespace = overrides.namespace;
  if (overrides.apiKey !== undefined) profile.apiKey = overrides.apiKey;
  if (overrides.tls === false) profile.tls = { ...profile.tls, disabled: true };
  else if (overrides.tls === true) profile.tls = { ...profile.tls, disabled: false };
  // Explicit TLS settings replace the environment's, whose certificate files are then not read at all.
  else if (overrides.tls !== undefined) delete profile.tls;
}

/** Where a TLS setting came from, for messages: the variable when it is set, else the profile's key. */
function settingName(setting: (typeof TLS_SETTINGS)[number], vars: Record<string, string>, source: ProfileSource) {
  if (vars[setting.variable] !== undefined) return setting.variable;
  if (vars[setting.dataVariable] !== undefined) return setting.dataVariable;
  return `${setting.toml} of profile '${source.profile}' in ${source.file}`;
}

/** The checks envconfig does not make: it drops half an mTLS pair and sends an API key in plaintext silently. */
function checkTls(
  profile: ClientConfigProfile,
  vars: Record<string, string>,
  source: ProfileSource,
  overrides: ConnectionOverrides,
): void {
  const tls = profile.tls;
  if (tls === undefined) return;
  const [cert, key] = TLS_SETTINGS;
  if ((tls.clientCert === undefined) !== (tls.clientKey === undefined)) {
    const [given, missing] = tls.clientCert !== undefined ? [cert, key] : [key, cert];
    throw new ConfigError(
      missing.variable,
      `${settingName(given, vars, source)} is set but ${missing.variable} is not: mTLS needs both`,
    );
  }
  if (tls.disabled !== true) return;
  const [off, fix] =
    overrides.tls === false
      ? ['the tls: false option', 'drop tls: false']
      : vars.TEMPORAL_TLS === 'false'
        ? ['TEMPORAL_TLS=false', 'remove TEMPORAL_TLS=false']
        : [`tls.disabled in profile '${source.profile}'`, `remove tls.disabled from ${source.file}`];
  const conflicting = TLS_SETTINGS.find((setting) => tls[setting.key] !== undefined);
  const named = conflicting
    ? settingName(conflicting, vars, source)
    : tls.serverName !== undefined
      ? 'TEMPORAL_TLS_SERVER_NAME'
      : undefined;
  if (named !== undefined) {
    throw new ConfigError('TEMPORAL_TLS', `${off} but ${named} is set: ${fix} to use TLS, or unset ${named}`);
  }
  if (profile.apiKey !== undefined) {
    const apiKey =
      overrides.apiKey !== undefined
        ? 'the apiKey option'
        : vars.TEMPORAL_API_KEY !== undefined
          ? 'TEMPORAL_API_KEY'
          : `api_key of profile '${source.profile}'`;
    throw new ConfigError('TEMPORAL_TLS', `${off} but ${apiKey} is set: an API key is never sent unencrypted, ${fix}`);
  }
}

/** Reads the certificate files now, naming the setting of a missing, empty or unreadable file. */
function readCertificates(profile: ClientConfigProfile, vars: Record<string, string>, source: ProfileSource): void {
  const tls = profile.tls;
  if (tls === undefined || tls.disabled === true) return;
  for (const setting of TLS_SETTINGS) {
    const data = tls[setting.key];
    if (data !== undefined && 'path' in data) {
      const named = settingName(setting, vars, source);
      tls[setting.key] = { data: readFileVariable(setting.variable, data.path, { setting: named }) };
    }
  }
}

function tlsFrom(
  override: TLSConfig | boolean | undefined,
  loaded: TLSConfig | boolean | null | undefined,
): TLSConfig | false {
  const tls = typeof override === 'object' ? override : loaded;
  if (tls === undefined || tls === null || tls === false) return false;
  if (tls === true) return {};
  // envconfig fills every field, set or not: keep only the set ones, so the config reads as what was asked.
  return Object.fromEntries(Object.entries(tls).filter(([, value]) => value !== undefined)) as TLSConfig;
}

/**
 * A one-line description for startup logs, e.g. `localhost:7233 namespace default (plaintext)`.
 * Says whether an API key is set, never what it is.
 */
export function describeConnection(config: ConnectionConfig): string {
  const security =
    config.tls === false
      ? 'plaintext'
      : [
          'TLS',
          config.tls.clientCertPair ? 'mTLS client certificate' : undefined,
          config.tls.serverRootCACertificate ? 'custom server CA' : undefined,
          config.tls.serverNameOverride ? `server name ${config.tls.serverNameOverride}` : undefined,
          config.apiKey !== undefined ? 'API key' : undefined,
        ]
          .filter((part) => part !== undefined)
          .join(', ');
  return `${config.address} namespace ${config.namespace} (${security})`;
}
