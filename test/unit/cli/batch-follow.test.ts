import { decisionHints, inboxUrl } from '../../../src/cli/batch-follow';

test('no hints while nothing waits', () => {
  expect(decisionHints('b1', 0, ['finance'], 'https://guard.example.com/')).toEqual([]);
});

test('hints name the count, the commands with the groups the rules ask for, and the inbox', () => {
  expect(decisionHints('refunds-7', 1, ['finance', 'ops'], 'https://guard.example.com/')).toEqual([
    '1 escalation of this batch waits for a decision:',
    '  list them:   durable-guard escalations --group-by tool,rule --batch refunds-7',
    '  approve all: durable-guard approve --batch refunds-7 --groups finance,ops --dry-run   (then the same with --yes)',
    "  deny all:    durable-guard deny --batch refunds-7 --groups finance,ops --reason '...' --yes",
    '  or decide them in the inbox: https://guard.example.com/',
  ]);
});

test('a batch ID the shell would split is quoted; no groups, no --groups', () => {
  const [, list, approve] = decisionHints("it's a batch", 3, []);
  expect(list).toBe("  list them:   durable-guard escalations --group-by tool,rule --batch 'it'\\''s a batch'");
  expect(approve).toBe(
    "  approve all: durable-guard approve --batch 'it'\\''s a batch' --dry-run   (then the same with --yes)",
  );
});

test.each([
  [{ publicUrl: 'https://guard.example.com', apiHost: '0.0.0.0', apiPort: 8080 }, 'https://guard.example.com/'],
  [{ apiHost: '127.0.0.1', apiPort: 9090 }, 'http://127.0.0.1:9090/ (served by durable-guard api or start)'],
  [{ apiHost: '::1', apiPort: 8080 }, 'http://[::1]:8080/ (served by durable-guard api or start)'],
])('inbox URL of %j', (config, url) => {
  expect(inboxUrl(config)).toBe(url);
});
