import path from 'node:path';

import fc from 'fast-check';

import { scanValue } from '../../../src/policy/detectors/scan';
import { mayHoldSecret, secretCandidates, secretDetectors } from '../../../src/policy/detectors/secret-gate';
import { secretCatalog } from '../../../src/policy/detectors/secrets';
import type { Detector } from '../../../src/policy/detectors/detector';
import { corpusDir, loadCorpus } from '../../corpus/corpus';

// The secret catalog's family gate may only skip strings that no secret detector matches.
const matchedBy = (text: string): string[] => secretCatalog.filter((d) => d.test(text)).map((d) => d.name);

function stringsOf(value: unknown, out: string[] = []): string[] {
  if (typeof value === 'string') out.push(value);
  else if (value !== null && typeof value === 'object') Object.values(value).forEach((v) => stringsOf(v, out));
  return out;
}

const corpusStrings = [...loadCorpus(), ...loadCorpus(path.join(corpusDir, 'held-out'))].flatMap((c) =>
  stringsOf(c.input),
);

// Each matching detector's bit is among the candidates, and the catalog verdict is what the detectors say alone.
const candidatesCover = (text: string): boolean =>
  secretCatalog.every((d, i) => !d.test(text) || (secretCandidates(text) & (1 << i)) !== 0);
const verdictIsCatalog = (text: string): boolean =>
  secretDetectors.every((d, i) => d.test(text) === (secretCatalog[i] as Detector).test(text));

describe('secret catalog gate', () => {
  test('every secret detector carries the gate, and the gated list is the catalog', () => {
    expect(secretDetectors.map((d) => d.name)).toEqual(secretCatalog.map((d) => d.name));
    for (const d of secretDetectors) expect(d.gate).toBe(mayHoldSecret);
  });

  test('opens for every corpus string that a secret detector matches', () => {
    const matched = corpusStrings.filter((s) => matchedBy(s).length > 0);
    expect(matched.length).toBeGreaterThan(100);
    for (const s of matched) expect({ s, gate: mayHoldSecret(s) }).toEqual({ s, gate: true });
  });

  test('names as candidates every detector that matches a corpus string, and judges each string as the catalog does', () => {
    for (const s of corpusStrings) {
      expect({ s, covered: candidatesCover(s), same: verdictIsCatalog(s) }).toEqual({ s, covered: true, same: true });
    }
  });

  test('candidates narrow the catalog: a prefix names its own detectors only', () => {
    const names = (text: string) =>
      secretCatalog.filter((_, i) => (secretCandidates(text) & (1 << i)) !== 0).map((d) => d.name);
    expect(names('git status')).toEqual([]);
    expect(names('token ghp_abc')).toEqual(['github_token', 'password_assignment']);
    expect(names('sk-ant-api03-x')).toEqual(['anthropic_key', 'openai_key']);
    expect(names('https://hooks.slack.com/x')).toEqual(['slack_token', 'url_credentials']);
    // Overlapping prefixes are all seen: `sk_live_` holds `k_live_`.
    expect(names('rk_live_abc')).toEqual(['stripe_key']);
  });

  test('closes for plain text, so a scan of it runs no secret detector', () => {
    for (const s of ['git status', 'SELECT id FROM orders WHERE id = 5', 'ls -la src', 'hello world']) {
      expect(mayHoldSecret(s)).toBe(false);
    }
    const spy = { ...secretCatalog[0], gate: mayHoldSecret, test: jest.fn(() => true) } as Detector;
    expect(scanValue({ a: 'git status' }, [spy])).toEqual([]);
    expect(spy.test).not.toHaveBeenCalled();
    expect(scanValue({ a: 'password=hunter22' }, [spy])).toEqual([{ detector: spy.name, pointer: '/a' }]);
  });

  test('opens for every generated string that a secret detector matches', () => {
    // Pieces of every catalogued format, cut and joined at random: the gate must be no narrower than the catalog.
    const pieces = [
      '-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA',
      'AKIA',
      'AIza',
      'ghp_',
      'github_pat_',
      'glpat-',
      'GR1348941',
      'xoxb-',
      'xapp-1-',
      'https://hooks.slack.com/services/T0123456/B0123456/',
      'sk_live_',
      'rk_test_',
      'whsec_',
      'sk-ant-api03-',
      'sk-proj-',
      'sk-',
      'T3BlbkFJ',
      'GOCSPX-',
      'ya29.',
      'hf_',
      'api_org_',
      'npm_',
      'pypi-AgEIcHlwaS5vcmc',
      'eyJhbGciOiJIUzI1NiJ9.',
      'eyJzdWIiOiIxMjM0NTY3ODkwIn0.',
      'Bearer ',
      'postgres://admin:',
      '@db',
      'Password=',
      'API_KEY: ',
      'client_secret = "',
      'refresh-token=',
      'Pwd:',
      'aws_secret_access_key=',
      'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
      'Zx9Qw2Er7Ty1Ui8Op3As6Df4Gh0Jk5Lz',
      'AbCdEfGhIjKlMnOpQrStUvWxYz0123456789',
      '/+',
      ' ',
      '"',
      '\n',
    ];
    const text = fc
      .array(fc.oneof(fc.constantFrom(...pieces), fc.stringMatching(/^[A-Za-z0-9_+/.-]{0,48}$/)), { maxLength: 8 })
      .map((parts) => parts.join(''));
    let matched = 0;
    fc.assert(
      fc.property(text, (s) => {
        if (matchedBy(s).length === 0) return true;
        matched++;
        return mayHoldSecret(s) && candidatesCover(s) && verdictIsCatalog(s);
      }),
      { numRuns: 3000 },
    );
    expect(matched).toBeGreaterThan(300);
  });
});
