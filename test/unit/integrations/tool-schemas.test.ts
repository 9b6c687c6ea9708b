import { PolicyEngine, parsePolicy } from '../../../src/policy';
import { toolSchemasFromDefinitions, toolSchemasGivenToModel } from '../../../src/integrations';

const refund = {
  type: 'object',
  properties: { amount: { type: 'number', maximum: 5000 }, orderId: { type: 'string' } },
  required: ['amount'],
  additionalProperties: false,
};

describe('toolSchemasFromDefinitions', () => {
  test.each([
    ['Anthropic', { name: 'process_refund', description: 'Refund', input_schema: refund }],
    ['OpenAI Chat', { type: 'function', function: { name: 'process_refund', parameters: refund } }],
    ['OpenAI Responses', { type: 'function', name: 'process_refund', parameters: refund }],
  ])('reads %s tool definitions, and the policy blocks inputs the schema refuses', (_provider, tool) => {
    const toolSchemas = toolSchemasFromDefinitions([tool]);
    expect(toolSchemas).toEqual({ process_refund: refund });
    const engine = new PolicyEngine([parsePolicy(JSON.stringify({ toolSchemas, rules: [] }), 'generated.json')]);
    const now = new Date();
    expect(engine.decideStatic({ tool: 'process_refund', input: { amount: 10 } }, now).action).toBe('allow');
    const misspelt = engine.decideStatic({ tool: 'process_refund', input: { amount: 10, Amount: 99999 } }, now);
    expect(misspelt.action).toBe('block');
    expect(misspelt.reason).toContain("unknown key 'Amount'");
  });

  test('a tool without parameters takes no keys; a nameless or repeated tool is an error naming its index', () => {
    expect(toolSchemasFromDefinitions([{ type: 'function', function: { name: 'ping' } }])).toEqual({
      ping: { type: 'object', additionalProperties: false },
    });
    expect(() => toolSchemasFromDefinitions([{ input_schema: refund }])).toThrow(
      /tools\[0\]: expected a tool definition/,
    );
    expect(() =>
      toolSchemasFromDefinitions([
        { name: 'a', input_schema: refund },
        { name: 'a', input_schema: refund },
      ]),
    ).toThrow(/tools\[1\]: tool 'a' is defined twice/);
  });
});

describe('toolSchemasGivenToModel', () => {
  test('takes the explicit schemas of every provider shape and skips tools without one', () => {
    const schema = { type: 'object', properties: { q: { type: 'string' } } };
    expect(
      toolSchemasGivenToModel([
        { name: 'a', input_schema: schema },
        { type: 'function', function: { name: 'b', parameters: schema } },
        { type: 'function', name: 'c', parameters: schema },
        { type: 'bash_20250124', name: 'bash' },
        { type: 'web_search' },
        { name: 'a', input_schema: { type: 'string' } },
        null,
      ]),
    ).toEqual({ a: schema, b: schema, c: schema });
    expect(toolSchemasGivenToModel(undefined)).toEqual({});
  });
});
