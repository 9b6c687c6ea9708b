/**
 * Before the cluster suite: builds temporal-server and temporal-sql-tool once (minutes, the first time; cached
 * in ~/.cache/durable-guard), outside any test's timeout. Where Go or PostgreSQL cannot be had, the suite is
 * skipped and the reason printed; nothing else skips it.
 */
import { findPostgresBin } from './harness/postgres';
import { findGo, temporalBinaries } from './harness/temporal-binaries';

export default async function globalSetup(): Promise<void> {
  const missing = [
    (await findGo()) ? undefined : 'Go (go on PATH, to build temporal-server)',
    findPostgresBin() ? undefined : 'PostgreSQL (/usr/lib/postgresql/<N>/bin/initdb: apt-get install -y postgresql)',
  ].filter((m) => m !== undefined);
  if (missing.length > 0) {
    process.env.DG_CLUSTER_SKIP = `no ${missing.join(' and no ')} on this machine`;
    console.error(`\ncluster suite SKIPPED: ${process.env.DG_CLUSTER_SKIP}`);
    return;
  }
  const bins = await temporalBinaries((line) => console.error(line));
  console.error(`cluster: temporal-server ${bins.server}, temporal-sql-tool ${bins.sqlTool}`);
}
