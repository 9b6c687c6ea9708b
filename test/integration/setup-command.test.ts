import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Connection } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { GUARD_SEARCH_ATTRIBUTES } from '../../src/workflows/definitions';
import { waitFor } from './helpers';

const root = join(__dirname, '..', '..');
let connection: Connection;

beforeAll(async () => {
  connection = await Connection.connect({ address: process.env.DG_TEST_ADDRESS as string });
});
afterAll(() => connection.close());

async function setup(namespace: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    [join(root, 'node_modules', 'tsx', 'dist', 'cli.mjs'), 'src/cli/main.ts', 'setup'],
    {
      cwd: root,
      env: { ...process.env, TEMPORAL_ADDRESS: process.env.DG_TEST_ADDRESS, TEMPORAL_NAMESPACE: namespace },
    },
  );
  return stdout.trim();
}

test('durable-guard setup registers the search attributes on a running server, and a second run changes nothing', async () => {
  // A fresh namespace has none of our attributes (the dev server's flags only cover `default`).
  const namespace = `setup-${randomUUID().slice(0, 8)}`;
  await connection.workflowService.registerNamespace({
    namespace,
    workflowExecutionRetentionPeriod: msToTs('1 day'),
  });
  await waitFor(() => connection.operatorService.listSearchAttributes({ namespace }), 30_000);
  const names = GUARD_SEARCH_ATTRIBUTES.map((key) => key.name);

  expect(await setup(namespace)).toBe(`registered search attributes: ${names.join(', ')}`);
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  expect(Object.keys(customAttributes ?? {})).toEqual(expect.arrayContaining(names));

  expect(await setup(namespace)).toBe('search attributes already registered; nothing to do');
  expect(await setup('default')).toBe('search attributes already registered; nothing to do');
}, 90_000);
