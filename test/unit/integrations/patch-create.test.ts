import { guardSummaryOf, patchAnthropic, patchOpenAI, type ToolGuard } from '../../../src/integrations';
import { loadFixture } from '../../fixtures/providers/load-fixture';

const allowAll: ToolGuard = { check: async () => ({ action: 'allow', rulesTriggered: [] }) };

function fakeAnthropic(response: () => unknown) {
  const bodies: unknown[] = [];
  return {
    bodies,
    messages: {
      create(body: { stream?: boolean }) {
        bodies.push(body);
        return Promise.resolve(response());
      },
    },
  };
}

test('a patched create resolves to the guarded response, with its summary', async () => {
  const client = patchAnthropic(
    fakeAnthropic(() => loadFixture('anthropic-order-tools')),
    allowAll,
  );
  const response = (await client.messages.create({})) as object;
  expect(guardSummaryOf(response)?.results.map((r) => r.tool)).toEqual(['lookup_order', 'send_email']);
  expect(client.bodies).toEqual([{}]);
});

test('streaming is refused with advice, before any request; pass-through lets it through unguarded', async () => {
  const client = patchAnthropic(
    fakeAnthropic(() => 'a stream'),
    allowAll,
  );
  expect(() => client.messages.create({ stream: true })).toThrow(
    expect.objectContaining({
      name: 'GuardInputError',
      message: expect.stringContaining("pass { streaming: 'pass-through' } to patchAnthropic"),
    }),
  );
  expect(client.bodies).toEqual([]);
  const passing = patchAnthropic(
    fakeAnthropic(() => 'a stream'),
    allowAll,
    { streaming: 'pass-through' },
  );
  await expect(passing.messages.create({ stream: true })).resolves.toBe('a stream');
});

test('a client is patched once; OpenAI patches chat completions and responses', async () => {
  const client = patchAnthropic(
    fakeAnthropic(() => ({})),
    allowAll,
  );
  expect(() => patchAnthropic(client, allowAll)).toThrow('already guarded');

  const openai = {
    chat: { completions: { create: async () => loadFixture('openai-chat-tools') } },
    responses: { create: async () => loadFixture('openai-responses-tools') },
  };
  patchOpenAI(openai, allowAll);
  const completion = (await openai.chat.completions.create()) as object;
  const response = (await openai.responses.create()) as object;
  expect(guardSummaryOf(completion)?.provider).toBe('openai-chat');
  expect(guardSummaryOf(response)?.provider).toBe('openai-responses');
});

test('a response of unknown shape is refused rather than passed unguarded', async () => {
  const client = patchAnthropic(
    fakeAnthropic(() => ({ completion: 'legacy' })),
    allowAll,
  );
  await expect(client.messages.create({})).rejects.toMatchObject({ name: 'GuardInputError' });
});
