import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { startDevServer } from '../../src/server/dev-server';
import { TRACING_WORKFLOW_INTERCEPTOR_MODULES } from '../../src/telemetry/tracing-interceptors';
import { WORKFLOWS_PATH } from '../../src/worker';

/** One real dev server and one workflow bundle for the whole integration run. */
export default async function globalSetup(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'durable-guard-it-'));
  mkdirSync(dir, { recursive: true });
  const server = await startDevServer({ port: 0, uiPort: false, dbFilename: join(dir, 'temporal.db') });
  const bundle = await bundleWorkflowCode({ workflowsPath: WORKFLOWS_PATH, logger: new DefaultLogger('WARN') });
  const bundlePath = join(dir, 'workflow-bundle.js');
  writeFileSync(bundlePath, bundle.code);
  const tracingBundle = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS_PATH,
    workflowInterceptorModules: TRACING_WORKFLOW_INTERCEPTOR_MODULES,
    logger: new DefaultLogger('WARN'),
  });
  const tracingBundlePath = join(dir, 'workflow-bundle-tracing.js');
  writeFileSync(tracingBundlePath, tracingBundle.code);
  process.env.DG_TEST_ADDRESS = server.address;
  process.env.DG_TEST_TRACING_BUNDLE = tracingBundlePath;
  process.env.DG_TEST_BUNDLE = bundlePath;
  process.env.DG_TEST_DIR = dir;
  (globalThis as Record<string, unknown>).__dgServer = server;
}
