import { Client, Connection } from '@temporalio/client';
import type { FastifyInstance } from 'fastify';
import { createApproverRegistry } from '../../../src/approvals';
import { buildApi, type ApiOptions } from '../../../src/api';

export const ALICE_TOKEN = 'alice-token-0123456789abcdef';
export const BOB_TOKEN = 'bob-token-0123456789abcdef';

/**
 * The API against a Temporal address nothing listens on: the lazy connection is never opened by requests
 * refused before a route handler runs (401, 400, 413), and fails fast for those that reach one (503): no
 * interceptors means none of the SDK's retries of UNAVAILABLE.
 */
export async function apiWithoutTemporal(
  bodyLimit?: number,
  extra: Partial<Pick<ApiOptions, 'logger' | 'links'>> = {},
): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const connection = Connection.lazy({ address: '127.0.0.1:1', connectTimeout: 200, interceptors: [] });
  const client = new Client({ connection });
  const approvers = createApproverRegistry([
    { id: 'alice', groups: ['finance'], token: ALICE_TOKEN },
    { id: 'bob', token: BOB_TOKEN },
  ]);
  const app = await buildApi({
    client,
    taskQueue: 'unit',
    approvers,
    healthTimeoutMs: 300,
    ...(bodyLimit ? { bodyLimit } : {}),
    ...extra,
  });
  return {
    app,
    async close() {
      await app.close();
      await connection.close();
    },
  };
}
