/**
 * Every subcommand of the `durable-guard` binary. Deployment files (docker-compose.yml) may only name
 * these; a test checks it so a renamed command cannot silently break a deployment.
 */
export const CLI_COMMANDS = [
  'worker',
  'api',
  'setup',
  'start',
  'submit',
  'status',
  'results',
  'escalations',
  'approve',
  'deny',
  'extend',
  'check',
  'dev-server',
  'codec-server',
  'policy',
  'receipt',
  'audit',
  'grants',
] as const;

export type CliCommand = (typeof CLI_COMMANDS)[number];
