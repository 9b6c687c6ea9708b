/** One tool definition as a provider takes it: Anthropic, OpenAI Chat Completions or OpenAI Responses. */
type ToolDefinition =
  | { name: string; input_schema: object }
  | { type: 'function'; function: { name: string; parameters?: object } }
  | { type: 'function'; name: string; parameters?: object };

/**
 * The JSON Schemas the model was shown in a request's `tools`, by tool name, for the guard to validate each call
 * against. Lenient where {@link toolSchemasFromDefinitions} is strict, because it runs on every request: tools
 * without an explicit schema (provider tools such as Anthropic's `bash_20250124` or OpenAI's `web_search`) get
 * none, and a name defined twice keeps its first schema (the provider refuses such a request anyway).
 * @param tools - the request's `tools`; anything else gives an empty map
 */
export function toolSchemasGivenToModel(tools: unknown): Record<string, Record<string, unknown>> {
  const schemas: Record<string, Record<string, unknown>> = {};
  if (!Array.isArray(tools)) return schemas;
  for (const tool of tools as unknown[]) {
    if (typeof tool !== 'object' || tool === null) continue;
    const definition = tool as { name?: unknown; input_schema?: unknown; parameters?: unknown; function?: unknown };
    const fn = typeof definition.function === 'object' && definition.function !== null ? definition.function : {};
    const name = definition.name ?? (fn as { name?: unknown }).name;
    const schema = definition.input_schema ?? definition.parameters ?? (fn as { parameters?: unknown }).parameters;
    if (typeof name !== 'string' || Object.hasOwn(schemas, name)) continue;
    if (typeof schema !== 'object' || schema === null || Array.isArray(schema)) continue;
    schemas[name] = schema as Record<string, unknown>;
  }
  return schemas;
}

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
