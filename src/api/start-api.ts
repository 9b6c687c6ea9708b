import { buildApi, type ApiOptions } from './build-api';

/** A listening approval API. */
export interface RunningApi {
  /** e.g. `http://127.0.0.1:8080` */
  url: string;
  /** Stops accepting connections and resolves once in-flight requests have finished. */
  close(): Promise<void>;
}

/** Builds the API and listens. @param listen port 0 picks a free port */
export async function startApi(options: ApiOptions & { host?: string; port?: number }): Promise<RunningApi> {
  const { host = '127.0.0.1', port = 8080, ...apiOptions } = options;
  const app = await buildApi(apiOptions);
  await app.listen({ host, port });
  const address = app.server.address();
  const actualPort = typeof address === 'object' && address ? address.port : port;
  const shownHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${shownHost}:${actualPort}`,
    async close() {
      // Keep-alive sockets of requests that were in flight at close become idle afterwards: close them as they do,
      // or the process waits for the keep-alive timeout.
      const sweeper = setInterval(() => app.server.closeIdleConnections(), 50);
      try {
        await app.close();
      } finally {
        clearInterval(sweeper);
      }
    },
  };
}
