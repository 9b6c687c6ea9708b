import type { TLSConfig } from '@temporalio/client';
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
}

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_TEMPORAL_NAMESPACE = 'default';

/**
 * Reads the Temporal connection settings from the environment, using the Temporal CLI's variable names.
 * Certificate files are read now so that a wrong path fails at startup with the variable named.
 * @throws ConfigError naming the variable and the fix; the API key never appears in a message.
 */
export function loadConnectionConfig(env: NodeJS.ProcessEnv = process.env): ConnectionConfig {
  const address = parseHostPort('TEMPORAL_ADDRESS', present(env.TEMPORAL_ADDRESS) ?? DEFAULT_TEMPORAL_ADDRESS);
  const namespace = parseName('TEMPORAL_NAMESPACE', present(env.TEMPORAL_NAMESPACE) ?? DEFAULT_TEMPORAL_NAMESPACE);
  const apiKey = present(env.TEMPORAL_API_KEY);
  const tlsFlag = parseBoolean('TEMPORAL_TLS', env.TEMPORAL_TLS);
  const certPath = present(env.TEMPORAL_TLS_CLIENT_CERT_PATH);
  const keyPath = present(env.TEMPORAL_TLS_CLIENT_KEY_PATH);
  const caPath = present(env.TEMPORAL_TLS_SERVER_CA_CERT_PATH);
  const serverName = present(env.TEMPORAL_TLS_SERVER_NAME);

  if (certPath !== undefined && keyPath === undefined) {
    throw new ConfigError(
      'TEMPORAL_TLS_CLIENT_KEY_PATH',
      'TEMPORAL_TLS_CLIENT_CERT_PATH is set but TEMPORAL_TLS_CLIENT_KEY_PATH is not: mTLS needs both',
    );
  }
  if (keyPath !== undefined && certPath === undefined) {
    throw new ConfigError(
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'TEMPORAL_TLS_CLIENT_KEY_PATH is set but TEMPORAL_TLS_CLIENT_CERT_PATH is not: mTLS needs both',
    );
  }

  const tlsSettings = [
    ['TEMPORAL_TLS_CLIENT_CERT_PATH', certPath],
    ['TEMPORAL_TLS_SERVER_CA_CERT_PATH', caPath],
    ['TEMPORAL_TLS_SERVER_NAME', serverName],
  ] as const;
  if (tlsFlag === false) {
    const conflicting = tlsSettings.find(([, value]) => value !== undefined)?.[0];
    if (conflicting !== undefined) {
      throw new ConfigError(
        'TEMPORAL_TLS',
        `TEMPORAL_TLS=false but ${conflicting} is set: remove TEMPORAL_TLS=false to use TLS, or unset ${conflicting}`,
      );
    }
    if (apiKey !== undefined) {
      throw new ConfigError(
        'TEMPORAL_TLS',
        'TEMPORAL_TLS=false but TEMPORAL_API_KEY is set: an API key is never sent unencrypted, remove TEMPORAL_TLS=false',
      );
    }
  }

  const tlsEnabled = tlsFlag ?? (apiKey !== undefined || tlsSettings.some(([, value]) => value !== undefined));
  if (!tlsEnabled) return { address, namespace, tls: false };

  const tls: TLSConfig = {};
  if (serverName !== undefined) tls.serverNameOverride = serverName;
  if (caPath !== undefined) tls.serverRootCACertificate = readFileVariable('TEMPORAL_TLS_SERVER_CA_CERT_PATH', caPath);
  if (certPath !== undefined && keyPath !== undefined) {
    tls.clientCertPair = {
      crt: readFileVariable('TEMPORAL_TLS_CLIENT_CERT_PATH', certPath),
      key: readFileVariable('TEMPORAL_TLS_CLIENT_KEY_PATH', keyPath),
    };
  }
  return apiKey === undefined ? { address, namespace, tls } : { address, namespace, apiKey, tls };
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
