import { checkInput, parseArguments } from '../../../src/integrations/parse-arguments';

describe('parseArguments', () => {
  test.each([
    ['{"amount":42}', { input: { amount: 42 } }],
    ['', { input: {} }],
    ['  ', { input: {} }],
  ])('%j decodes to an input object', (json, expected) => {
    expect(parseArguments(json, "tool call 'x' (call_1)")).toEqual(expected);
  });

  test.each([
    ['{"amount": 42', 'are not valid JSON'],
    ['not json', 'are not valid JSON'],
    ['[1,2]', 'are an array, not a JSON object'],
    ['"text"', 'are a string, not a JSON object'],
    ['null', 'are null, not a JSON object'],
    ['42', 'are a number, not a JSON object'],
  ])('%j is a problem naming the call, never a thrown SyntaxError', (json, expected) => {
    const parsed = parseArguments(json, "tool call 'process_refund' (call_1)");
    expect(parsed).not.toHaveProperty('input');
    const problem = (parsed as { problem: string }).problem;
    expect(problem).toContain("tool call 'process_refund' (call_1)");
    expect(problem).toContain(expected);
    expect(problem).toContain('the call was not run');
  });

  test('a non-string arguments field is a problem', () => {
    expect(parseArguments({ a: 1 }, 'c')).toEqual({
      problem: 'the arguments of c are an object, not a JSON string; the call was not run',
    });
  });
});

describe('checkInput', () => {
  test('an object passes as is', () => {
    const input = { a: 1 };
    expect(checkInput(input, 'c')).toEqual({ input });
    expect((checkInput(input, 'c') as { input: unknown }).input).toBe(input);
  });

  test.each([[[1]], ['x'], [null], [undefined]])('%j is a problem', (value) => {
    expect(checkInput(value, "tool call 'x' (toolu_1)")).toHaveProperty(
      'problem',
      expect.stringContaining("the input of tool call 'x' (toolu_1) is"),
    );
  });
});
