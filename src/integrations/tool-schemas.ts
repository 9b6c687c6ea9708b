/** One tool definition as a provider takes it: Anthropic, OpenAI Chat Completions or OpenAI Responses. */
type ToolDefinition =
  | { name: string; input_schema: object }
  | { type: 'function'; function: { name: string; parameters?: object } }
  | { type: 'function'; name: string; parameters?: object };

/**
 * The `toolSchemas:` of a policy from the tool definitions given to the model: Anthropic `{ name, input_schema }`,
 * OpenAI Chat `{ type: 'function', function: { name, parameters } }` and Responses `{ type: 'function', name,
 * parameters }`. Write the result into the policy (YAML or JSON) so that the guard checks each call's input
 * against the schema the model was shown.
 * @param tools - the `tools` array of a Messages, Chat Completions or Responses request
 * @returns tool name to JSON Schema; a tool without parameters gets `{ type: 'object', additionalProperties: false }`
 * @throws TypeError naming the index of a definition that has no name, or names a tool twice
 */
export function toolSchemasFromDefinitions(tools: readonly unknown[]): Record<string, object> {
  const schemas: Record<string, object> = {};
  tools.forEach((tool, index) => {
    const definition = tool as Partial<ToolDefinition> & { function?: { name?: unknown; parameters?: unknown } };
    const name: unknown =
      'input_schema' in definition || 'name' in definition
        ? (definition as { name?: unknown }).name
        : definition.function?.name;
    if (typeof name !== 'string' || name === '') {
      throw new TypeError(
        `tools[${index}]: expected a tool definition with a name (Anthropic name, OpenAI function.name)`,
      );
    }
    if (Object.prototype.hasOwnProperty.call(schemas, name)) {
      throw new TypeError(`tools[${index}]: tool '${name}' is defined twice`);
    }
    const schema: unknown =
      (definition as { input_schema?: unknown }).input_schema ??
      (definition as { parameters?: unknown }).parameters ??
      definition.function?.parameters;
    schemas[name] =
      typeof schema === 'object' && schema !== null ? schema : { type: 'object', additionalProperties: false };
  });
  return schemas;
}
