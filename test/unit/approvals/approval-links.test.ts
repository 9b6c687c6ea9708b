import { createHmac } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ApprovalLinkError,
  channelLinkFor,
  createApprovalLinkSigner,
  FileUsedLinkStore,
  MemoryUsedLinkStore,
} from '../../../src/approvals';
import type { ApprovalLinkErrorCode } from '../../../src/approvals';

const SECRET = 'a-test-secret-that-is-at-least-32-bytes-long';
const claims = { escalationId: 'guard-1234', decision: 'approve', approver: 'alice' } as const;

function codeOf(fn: () => unknown): ApprovalLinkErrorCode | undefined {
  try {
    fn();
  } catch (error) {
    if (error instanceof ApprovalLinkError) return error.code;
    throw error;
  }
  return undefined;
}

function flipChar(token: string, index: number): string {
  const char = token[index] === 'A' ? 'B' : 'A';
  return token.slice(0, index) + char + token.slice(index + 1);
}

describe('approval link signer', () => {
  test('a signed token verifies to its claims, expiry and a 128-bit nonce', () => {
    const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000, now: () => 1_000_000 });
    const token = signer.sign(claims);
    expect(token).toMatch(/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    const link = signer.verify(token);
    expect(link).toMatchObject({ ...claims, expiresAt: 1_060_000 });
    expect(Buffer.from(link.nonce, 'base64url')).toHaveLength(16);
    expect(signer.verify(signer.sign(claims)).nonce).not.toBe(link.nonce);
  });

  test.each([
    ['a flipped byte in the claims', (t: string) => flipChar(t, 5)],
    ['a flipped byte in the signature', (t: string) => flipChar(t, t.length - 3)],
    ['a truncated signature', (t: string) => t.slice(0, -4)],
    ['claims swapped from a deny link', (t: string, other: string) => `${other.split('.')[0]}.${t.split('.')[1]}`],
  ])('%s -> forged', (_name, tamper) => {
    const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000 });
    const token = signer.sign(claims);
    const other = signer.sign({ ...claims, decision: 'deny' });
    expect(codeOf(() => signer.verify(tamper(token, other)))).toBe('GUARD_LINK_FORGED');
  });

  test('a token from another secret -> forged', () => {
    const theirs = createApprovalLinkSigner({ secret: `${SECRET}-other`, ttlMs: 60_000 });
    const ours = createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000 });
    expect(codeOf(() => ours.verify(theirs.sign(claims)))).toBe('GUARD_LINK_FORGED');
  });

  test('expires at expiresAt by the injected clock', () => {
    let clock = 0;
    const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 1_000, now: () => clock });
    const token = signer.sign(claims);
    clock = 999;
    expect(codeOf(() => signer.verify(token))).toBeUndefined();
    clock = 1_000;
    expect(codeOf(() => signer.verify(token))).toBe('GUARD_LINK_EXPIRED');
    expect(() => signer.verify(token)).toThrow(/expired at 1970-01-01T00:00:01.000Z/);
  });

  test.each([
    ['empty', ''],
    ['no dot', 'abcdef'],
    ['three parts', 'a.b.c'],
    ['not base64url', 'ab$c.def'],
    ['empty signature', 'abc.'],
  ])('%s -> malformed', (_name, token) => {
    const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000 });
    expect(codeOf(() => signer.verify(token))).toBe('GUARD_LINK_MALFORMED');
  });

  test('validly signed but incomplete claims -> malformed', () => {
    const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000 });
    const body = Buffer.from(
      JSON.stringify({ v: 1, e: 'guard-1', d: 'maybe', a: 'alice', x: 9e12, n: 'abc' }),
    ).toString('base64url');
    const signature = createHmac('sha256', SECRET).update(body).digest('base64url');
    expect(codeOf(() => signer.verify(`${body}.${signature}`))).toBe('GUARD_LINK_MALFORMED');
  });

  test('refuses weak secrets, bad ttl and bad claims when signing', () => {
    expect(() => createApprovalLinkSigner({ secret: 'short', ttlMs: 1 })).toThrow(/5 bytes; use at least 32/);
    expect(() => createApprovalLinkSigner({ secret: SECRET, ttlMs: 0 })).toThrow(/positive/);
    const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 1 });
    expect(() => signer.sign({ ...claims, escalationId: '' })).toThrow(/non-empty/);
    expect(() => signer.sign({ ...claims, decision: 'maybe' as never })).toThrow(/'approve' or 'deny'/);
  });

  test('redeem: the second use of a token -> used', async () => {
    const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000, usedLinks: new MemoryUsedLinkStore() });
    const token = signer.sign(claims);
    await expect(signer.redeem(token)).resolves.toMatchObject(claims);
    await expect(signer.redeem(token)).rejects.toMatchObject({ name: 'ApprovalLinkError', code: 'GUARD_LINK_USED' });
    await expect(signer.redeem(signer.sign(claims))).resolves.toMatchObject(claims);
  });

  test('redeem does not burn a forged or expired token', async () => {
    let clock = 0;
    const usedLinks = new MemoryUsedLinkStore();
    const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 10, now: () => clock, usedLinks });
    const token = signer.sign(claims);
    await expect(signer.redeem(flipChar(token, 5))).rejects.toMatchObject({ code: 'GUARD_LINK_FORGED' });
    clock = 10;
    await expect(signer.redeem(token)).rejects.toMatchObject({ code: 'GUARD_LINK_EXPIRED' });
    clock = 0;
    await expect(signer.redeem(token)).resolves.toMatchObject(claims);
  });
});

describe('link groups', () => {
  const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000 });
  const tokenOf = (url: string) => url.slice(url.lastIndexOf('/') + 1);

  test('a link carries the groups it was signed with; without groups it carries none', () => {
    expect(signer.verify(signer.sign({ ...claims, groups: ['finance', 'ops'] }))).toMatchObject({
      ...claims,
      groups: ['finance', 'ops'],
    });
    expect(signer.verify(signer.sign(claims))).not.toHaveProperty('groups');
    expect(signer.verify(signer.sign({ ...claims, groups: [] }))).not.toHaveProperty('groups');
  });

  test('groups are signed: adding a group to the claims forges the link', () => {
    const token = signer.sign(claims);
    const [body, signature] = token.split('.') as [string, string];
    const wire = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
    const widened = Buffer.from(JSON.stringify({ ...wire, g: ['finance'] })).toString('base64url');
    expect(codeOf(() => signer.verify(`${widened}.${signature}`))).toBe('GUARD_LINK_FORGED');
  });

  test('signed groups that are not a list of names -> malformed; signing refuses empty names', () => {
    const body = Buffer.from(
      JSON.stringify({ v: 1, e: 'guard-1', d: 'approve', a: 'alice', x: 9e12, n: 'abc', g: 'finance' }),
    ).toString('base64url');
    const signature = createHmac('sha256', SECRET).update(body).digest('base64url');
    expect(codeOf(() => signer.verify(`${body}.${signature}`))).toBe('GUARD_LINK_MALFORMED');
    expect(() => signer.sign({ ...claims, groups: [''] })).toThrow(/non-empty strings/);
  });

  test("a channel's link is issued to the channel and carries exactly the channel's configured groups", () => {
    const linkFor = channelLinkFor(signer, 'https://guard.example', [
      { name: 'finance-webhook', groups: ['finance'] },
      { name: 'ops-slack' },
    ]);
    const finance = linkFor('guard-1', 'approve', 'finance-webhook');
    expect(finance).toMatch(/^https:\/\/guard\.example\/v1\/links\/[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(signer.verify(tokenOf(finance))).toMatchObject({
      escalationId: 'guard-1',
      decision: 'approve',
      approver: 'finance-webhook',
      groups: ['finance'],
    });
    const ops = signer.verify(tokenOf(linkFor('guard-1', 'deny', 'ops-slack')));
    expect(ops).toMatchObject({ approver: 'ops-slack', decision: 'deny' });
    expect(ops).not.toHaveProperty('groups');
    expect(signer.verify(tokenOf(linkFor('guard-1', 'approve', 'unknown')))).not.toHaveProperty('groups');
  });
});

describe('used link stores', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'used-links-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('memory store: concurrent marks of one nonce give exactly one true', async () => {
    const store = new MemoryUsedLinkStore();
    const results = await Promise.all(Array.from({ length: 20 }, () => store.markUsed('n1')));
    expect(results.filter(Boolean)).toHaveLength(1);
  });

  test('file store: concurrent marks of one nonce give exactly one true and one line', async () => {
    const path = join(dir, 'used.jsonl');
    const store = await FileUsedLinkStore.open(path);
    const results = await Promise.all(Array.from({ length: 20 }, () => store.markUsed('n1')));
    expect(results.filter(Boolean)).toHaveLength(1);
    await store.close();
    expect((await readFile(path, 'utf8')).trim().split('\n')).toHaveLength(1);
  });

  test('file store: a reused link is rejected after a restart, and nonces are stored only as hashes', async () => {
    const path = join(dir, 'nested', 'used.jsonl');
    const first = await FileUsedLinkStore.open(path);
    const signer = createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000, usedLinks: first });
    const token = signer.sign(claims);
    const { nonce } = await signer.redeem(token);
    await first.close();

    const text = await readFile(path, 'utf8');
    expect(text).not.toContain(nonce);
    expect(JSON.parse(text.trim())).toMatchObject({ nonceSha256: expect.stringMatching(/^[0-9a-f]{64}$/) });

    const second = await FileUsedLinkStore.open(path);
    const restarted = createApprovalLinkSigner({ secret: SECRET, ttlMs: 60_000, usedLinks: second });
    await expect(restarted.redeem(token)).rejects.toMatchObject({ code: 'GUARD_LINK_USED' });
    await expect(second.markUsed('fresh')).resolves.toBe(true);
    await second.close();
  });

  test('file store: a torn last line from a crash is ignored, a corrupt middle line is refused', async () => {
    const torn = join(dir, 'torn.jsonl');
    const store = await FileUsedLinkStore.open(torn);
    await store.markUsed('kept');
    await store.close();
    await writeFile(torn, `${await readFile(torn, 'utf8')}{"nonceSha2`);
    const reopened = await FileUsedLinkStore.open(torn);
    await expect(reopened.markUsed('kept')).resolves.toBe(false);
    await expect(reopened.markUsed('next')).resolves.toBe(true);
    await reopened.close();
    const again = await FileUsedLinkStore.open(torn);
    await expect(again.markUsed('next')).resolves.toBe(false);
    await again.close();

    const corrupt = join(dir, 'corrupt.jsonl');
    await writeFile(corrupt, 'garbage\n{"nonceSha256":"ab"}\n');
    await expect(FileUsedLinkStore.open(corrupt)).rejects.toThrow(/corrupt\.jsonl:1: not a used-link record/);
  });
});
