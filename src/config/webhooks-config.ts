import { parse as parseYaml } from 'yaml';
import { z } from 'zod';
import type { WebhookTarget } from '../activities/notify';
import { ConfigError } from './config-error';
import { present, readFileVariable } from './env-values';

const targetSchema = z
  .object({
    name: z.string().min(1),
    url: z.url(),
    secret: z.string().startsWith('whsec_').optional(),
    format: z.enum(['standard', 'slack']).default('standard'),
    groups: z.array(z.string().min(1)).optional(),
  })
  .strict();
const fileSchema = z.object({ webhooks: z.array(targetSchema) }).strict();

/**
 * Reads `DURABLE_GUARD_WEBHOOKS`: a YAML/JSON file `webhooks: [{name, url, secret?, format, groups?}]` whose names a
 * policy's `escalation.channels` refer to. Secrets stay in this file, never in workflow history. `groups` are the
 * approver groups whoever reads the channel holds: the one-click links sent there decide with them.
 * @returns the targets; none when the variable is unset.
 * @throws ConfigError naming the variable, the entry and the fix.
 */
export function loadWebhookTargets(env: NodeJS.ProcessEnv = process.env): WebhookTarget[] {
  const path = present(env.DURABLE_GUARD_WEBHOOKS);
  if (path === undefined) return [];
  const text = readFileVariable('DURABLE_GUARD_WEBHOOKS', path, { what: 'YAML file' }).toString('utf8');
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new ConfigError('DURABLE_GUARD_WEBHOOKS', `${path} is not valid YAML/JSON: ${(err as Error).message}`, {
      cause: err,
    });
  }
  const parsed = fileSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new ConfigError(
      'DURABLE_GUARD_WEBHOOKS',
      `${path}: ${issue?.path.join('.') || '(top level)'}: ${issue?.message} (expected webhooks: [{name, url, secret?: whsec_..., format?: standard|slack, groups?: [group, ...]}])`,
    );
  }
  const names = new Set<string>();
  for (const target of parsed.data.webhooks) {
    if (names.has(target.name)) {
      throw new ConfigError(
        'DURABLE_GUARD_WEBHOOKS',
        `${path}: webhook name '${target.name}' appears twice: names must be unique`,
      );
    }
    names.add(target.name);
  }
  return parsed.data.webhooks;
}
