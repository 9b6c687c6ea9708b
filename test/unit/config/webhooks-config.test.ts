import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadWebhookTargets } from '../../../src/config';

const dir = mkdtempSync(join(tmpdir(), 'dg-webhooks-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

describe('loadWebhookTargets', () => {
  test('no variable, no targets', () => {
    expect(loadWebhookTargets({})).toEqual([]);
  });

  test('reads names, URLs, secrets and formats; format defaults to standard', () => {
    const path = file(
      'ok.yaml',
      'webhooks:\n  - { name: finance-webhook, url: "https://hooks.example/f", secret: whsec_abc }\n  - { name: ops-slack, url: "https://hooks.slack.example/x", format: slack }\n',
    );
    expect(loadWebhookTargets({ DURABLE_GUARD_WEBHOOKS: path })).toEqual([
      { name: 'finance-webhook', url: 'https://hooks.example/f', secret: 'whsec_abc', format: 'standard' },
      { name: 'ops-slack', url: 'https://hooks.slack.example/x', format: 'slack' },
    ]);
  });

  test("a channel's approver groups are read; an empty group name is refused", () => {
    const path = file(
      'groups.yaml',
      'webhooks:\n  - { name: finance-webhook, url: "https://hooks.example/f", groups: [finance] }\n',
    );
    expect(loadWebhookTargets({ DURABLE_GUARD_WEBHOOKS: path })).toEqual([
      { name: 'finance-webhook', url: 'https://hooks.example/f', format: 'standard', groups: ['finance'] },
    ]);
    const bad = file('bad-groups.yaml', 'webhooks:\n  - { name: a, url: "https://x.example", groups: [""] }\n');
    expect(() => loadWebhookTargets({ DURABLE_GUARD_WEBHOOKS: bad })).toThrow(/webhooks\.0\.groups\.0/);
  });

  test.each([
    ['not-url.yaml', 'webhooks:\n  - { name: a, url: nope }\n', /webhooks\.0\.url/],
    ['bad-secret.yaml', 'webhooks:\n  - { name: a, url: "https://x.example", secret: plain }\n', /webhooks\.0\.secret/],
    ['unknown-field.yaml', 'webhooks:\n  - { name: a, url: "https://x.example", retries: 3 }\n', /retries/],
    [
      'duplicate.yaml',
      'webhooks:\n  - { name: a, url: "https://x.example" }\n  - { name: a, url: "https://y.example" }\n',
      /'a' appears twice/,
    ],
    ['not-yaml.yaml', 'webhooks: [\n', /not valid YAML/],
    ['wrong-shape.yaml', '- just a list\n', /expected webhooks: \[/],
  ])('%s is refused with a message naming the problem', (name, text, message) => {
    const path = file(name, text);
    expect(() => loadWebhookTargets({ DURABLE_GUARD_WEBHOOKS: path })).toThrow(message);
    expect(() => loadWebhookTargets({ DURABLE_GUARD_WEBHOOKS: path })).toThrow(
      expect.objectContaining({ name: 'ConfigError', variable: 'DURABLE_GUARD_WEBHOOKS' }),
    );
  });

  test('a missing file names the variable', () => {
    expect(() => loadWebhookTargets({ DURABLE_GUARD_WEBHOOKS: join(dir, 'absent.yaml') })).toThrow(
      /DURABLE_GUARD_WEBHOOKS/,
    );
  });
});
