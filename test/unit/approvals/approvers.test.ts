import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApproverRegistry, loadApprovers, mayApprove, parseApproverTokens } from '../../../src/approvals';
import type { Approver } from '../../../src/approvals';

const ALICE = 'alice-token-0123456789';
const BOB = 'bob-token-0123456789ab';
const sha = (token: string) => createHash('sha256').update(token).digest('hex');

describe('approver registry', () => {
  const registry = createApproverRegistry([
    { id: 'alice', groups: ['finance', 'ops'], token: ALICE },
    { id: 'bob', tokenSha256: sha(BOB) },
  ]);

  test.each([
    [`Bearer ${ALICE}`, { id: 'alice', groups: ['finance', 'ops'] }],
    [`bearer ${ALICE}`, { id: 'alice', groups: ['finance', 'ops'] }],
    [`Bearer   ${BOB} `, { id: 'bob', groups: [] }],
    [`Bearer ${ALICE}x`, undefined],
    [`Bearer ${ALICE.slice(0, -1)}`, undefined],
    [ALICE, undefined],
    [`Basic ${ALICE}`, undefined],
    [`Bearer ${ALICE} ${BOB}`, undefined],
    ['Bearer ', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('authenticate(%p) -> %p', (header, expected) => {
    expect(registry.authenticate(header)).toEqual(expected);
  });

  test('the returned approver is a copy: callers cannot change the registry', () => {
    const alice = registry.authenticate(`Bearer ${ALICE}`) as Approver;
    alice.groups.push('admin');
    expect(registry.authenticate(`Bearer ${ALICE}`)?.groups).toEqual(['finance', 'ops']);
  });

  test.each([
    [
      'duplicate id',
      [
        { id: 'a', token: ALICE },
        { id: 'a', token: BOB },
      ],
      /entry 2 \('a'\): duplicate id/,
    ],
    [
      'shared token',
      [
        { id: 'a', token: ALICE },
        { id: 'b', tokenSha256: sha(ALICE) },
      ],
      /already used by another/,
    ],
    ['weak token', [{ id: 'a', token: 'short' }], /shorter than 16 characters/],
    ['no token', [{ id: 'a' }], /exactly one of token or tokenSha256/],
    ['both tokens', [{ id: 'a', token: ALICE, tokenSha256: sha(ALICE) }], /exactly one of token or tokenSha256/],
    ['bad id', [{ id: 'a b', token: ALICE }], /id must be letters/],
    ['bad group', [{ id: 'a', groups: ['fin ance'], token: ALICE }], /group 'fin ance'/],
  ])('refuses %s', (_name, entries, message) => {
    expect(() => createApproverRegistry(entries)).toThrow(message);
  });

  test('errors never contain the token', () => {
    try {
      createApproverRegistry([{ id: 'a', token: 'tooshort-secret' }]);
      throw new Error('expected a refusal');
    } catch (error) {
      expect((error as Error).message).not.toContain('tooshort-secret');
    }
  });
});

describe('mayApprove', () => {
  const alice: Approver = { id: 'alice', groups: ['finance', 'ops'] };
  const bob: Approver = { id: 'bob', groups: [] };
  test.each([
    [alice, undefined, true],
    [alice, [], true],
    [bob, undefined, true],
    [alice, ['finance'], true],
    [alice, ['legal', 'ops'], true],
    [alice, ['legal'], false],
    [bob, ['finance'], false],
    [undefined, undefined, false],
    [undefined, ['finance'], false],
  ])('%p with groups %p -> %p', (approver, groups, expected) => {
    expect(mayApprove(approver, groups)).toBe(expected);
  });
});

describe('parseApproverTokens', () => {
  test.each([
    [`alice:finance|ops:${ALICE}`, [{ id: 'alice', groups: ['finance', 'ops'], token: ALICE }]],
    [`bob::${BOB}`, [{ id: 'bob', groups: [], token: BOB }]],
    [
      ` alice:finance:${ALICE} , bob::${BOB},`,
      [
        { id: 'alice', groups: ['finance'], token: ALICE },
        { id: 'bob', groups: [], token: BOB },
      ],
    ],
    ['carol::tok:with:colons-0123456', [{ id: 'carol', groups: [], token: 'tok:with:colons-0123456' }]],
  ])('%p', (value, expected) => {
    expect(parseApproverTokens(value)).toEqual(expected);
  });

  test.each([`alice:${ALICE}`, `:ops:${ALICE}`, 'alice'])('refuses %p naming the expected form', (value) => {
    expect(() => parseApproverTokens(value)).toThrow(/entry 1: expected 'id:group1\|group2:token'/);
  });
});

describe('loadApprovers', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'approvers-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('combines a YAML file and env tokens', async () => {
    const path = join(dir, 'approvers.yaml');
    await writeFile(
      path,
      `approvers:\n  - id: alice\n    groups: [finance]\n    tokenSha256: ${sha(ALICE)}\n  - id: ci-bot\n    token: ${BOB}\n`,
    );
    const registry = await loadApprovers({
      DURABLE_GUARD_APPROVERS: path,
      DURABLE_GUARD_APPROVER_TOKENS: 'dave:ops:dave-token-0123456789',
    });
    expect(registry.size).toBe(3);
    expect(registry.authenticate(`Bearer ${ALICE}`)).toEqual({ id: 'alice', groups: ['finance'] });
    expect(registry.authenticate(`Bearer ${BOB}`)).toEqual({ id: 'ci-bot', groups: [] });
    expect(registry.authenticate('Bearer dave-token-0123456789')).toEqual({ id: 'dave', groups: ['ops'] });
  });

  test('reads a JSON file', async () => {
    const path = join(dir, 'approvers.json');
    await writeFile(path, JSON.stringify({ approvers: [{ id: 'alice', groups: ['ops'], token: ALICE }] }));
    const registry = await loadApprovers({ DURABLE_GUARD_APPROVERS: path });
    expect(registry.authenticate(`Bearer ${ALICE}`)).toEqual({ id: 'alice', groups: ['ops'] });
  });

  test('nothing configured -> nobody authenticates', async () => {
    const registry = await loadApprovers({});
    expect(registry.size).toBe(0);
    expect(registry.authenticate(`Bearer ${ALICE}`)).toBeUndefined();
  });

  test.each([
    ['an unknown field', 'approvers:\n  - id: alice\n    tokn: x\n', /approvers\.0: .*tokn/],
    ['a bad hash', 'approvers:\n  - id: alice\n    tokenSha256: abc\n', /approvers\.0\.tokenSha256: must be 64 hex/],
    ['no approvers list', 'people: []\n', /approvers/],
    ['broken YAML', 'approvers: [\n', /not valid JSON or YAML/],
  ])('a file with %s is refused naming the file and field', async (_name, text, message) => {
    const path = join(dir, 'bad.yaml');
    await writeFile(path, text);
    const load = loadApprovers({ DURABLE_GUARD_APPROVERS: path });
    await expect(load).rejects.toMatchObject({ name: 'ConfigError', variable: 'DURABLE_GUARD_APPROVERS' });
    await expect(loadApprovers({ DURABLE_GUARD_APPROVERS: path })).rejects.toThrow(message);
    await expect(loadApprovers({ DURABLE_GUARD_APPROVERS: path })).rejects.toThrow(path);
  });

  test('an id in both the file and env tokens is refused naming both sources', async () => {
    const path = join(dir, 'approvers.yaml');
    await writeFile(path, `approvers:\n  - id: alice\n    token: ${ALICE}\n`);
    await expect(
      loadApprovers({ DURABLE_GUARD_APPROVERS: path, DURABLE_GUARD_APPROVER_TOKENS: `alice::${BOB}` }),
    ).rejects.toThrow(/DURABLE_GUARD_APPROVERS \+ DURABLE_GUARD_APPROVER_TOKENS entry 2 \('alice'\): duplicate id/);
  });

  test('a bad env entry is a ConfigError for DURABLE_GUARD_APPROVER_TOKENS', async () => {
    await expect(loadApprovers({ DURABLE_GUARD_APPROVER_TOKENS: 'alice::short' })).rejects.toMatchObject({
      name: 'ConfigError',
      variable: 'DURABLE_GUARD_APPROVER_TOKENS',
      message: expect.stringContaining("DURABLE_GUARD_APPROVER_TOKENS entry 1 ('alice'): token is shorter"),
    });
  });

  test('a missing file names the variable and path', async () => {
    await expect(loadApprovers({ DURABLE_GUARD_APPROVERS: join(dir, 'nope.yaml') })).rejects.toThrow(
      /DURABLE_GUARD_APPROVERS=.*nope\.yaml: cannot read the file/,
    );
  });
});
