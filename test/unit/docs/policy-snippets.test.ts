import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parsePolicy } from '../../../src/policy';
import { inputHash, receiptBody } from '../../../src/workflows/receipt';
import { longWindowYaml, REAL_HOURS } from '../../integration/fixtures/long-window-policy';

const root = join(__dirname, '..', '..', '..');
const read = (name: string) => readFileSync(join(root, 'docs', name), 'utf8');

/** The fenced blocks of one language, with the heading they stand under. */
function blocks(doc: string, lang: string): { heading: string; text: string }[] {
  const found: { heading: string; text: string }[] = [];
  let heading = '';
  const lines = doc.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = lines[i]!;
    if (line.startsWith('#')) heading = line.replace(/^#+\s*/, '');
    if (line.trim() !== '```' + lang) continue;
    const end = lines.findIndex((l, j) => j > i && l.trim() === '```');
    found.push({ heading, text: lines.slice(i + 1, end).join('\n') });
    i = end;
  }
  return found;
}

const policyBlocks = blocks(read('policies.md'), 'yaml').filter((b) => /^rules:/m.test(b.text));

test('docs/policies.md has whole policies to check', () => {
  expect(policyBlocks.length).toBeGreaterThanOrEqual(4);
});

test.each(policyBlocks.map((b, i) => [`${i + 1} (${b.heading})`, b.text]))(
  'policy %s in docs/policies.md loads',
  (_, text) => {
    expect(() => parsePolicy(text, 'docs.yaml')).not.toThrow();
  },
);

test('the worked 72-hour example is the policy test/integration/long-window.test.ts runs', () => {
  const example = policyBlocks.filter((b) => b.heading === 'A worked 72-hour example');
  expect(example.map((b) => `${b.text}\n`)).toEqual([longWindowYaml(REAL_HOURS)]);
});

test.each(['policies.md', 'approvals.md'])('every JSON block in docs/%s parses', (name) => {
  for (const { text } of blocks(read(name), 'json')) expect(() => JSON.parse(text)).not.toThrow();
});

test("the worked example's receipt in docs/approvals.md has a receipt's fields and the input's hash", () => {
  const json = blocks(read('approvals.md'), 'json')
    .filter((b) => b.heading === 'A 72-hour escalation, step by step')
    .map((b) => JSON.parse(b.text) as Record<string, unknown>);
  const status = json.find((j) => 'status' in j)!;
  const statusFields = ['status', 'tool', 'decision', 'expiresAt', 'approverGroups', 'approvals', 'result', 'ladder'];
  expect(Object.keys(status).filter((k) => !statusFields.includes(k))).toEqual([]);
  const receipt = json.find((j) => 'inputHash' in j)!;
  const input = { amount: 12000, user_id: 'u45' };
  expect(receipt.inputHash).toBe(inputHash(input));
  const body = receiptBody(
    {
      action: 'allow',
      rulesTriggered: [],
      escalationId: 'x',
      policyVersion: 'v',
      decidedBy: { kind: 'human', at: '' },
    },
    'process_refund',
    input,
  );
  expect(Object.keys(receipt).sort()).toEqual([...Object.keys(body), 'signature'].sort());
  expect(Object.keys(receipt.decision as object).sort()).toEqual(['action', 'at', 'kind', 'reason']);
});
