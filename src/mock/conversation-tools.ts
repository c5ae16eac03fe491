import type { Wire } from './wire.js';

/** What a request says about tools, in each wire format: the tools it offers and the results it carries. */

type Json = Record<string, unknown>;

const objects = (value: unknown): Json[] =>
  Array.isArray(value) ? value.filter((item): item is Json => item !== null && typeof item === 'object' && !Array.isArray(item)) : [];

/** The names of the function tools the request offers the model. */
export function offeredToolNames(wire: Wire, body: Json): Set<string> {
  const tools = objects(body.tools);
  switch (wire) {
    case 'anthropic':
      return namesOf(tools.map((tool) => tool.name));
    case 'openai':
      return namesOf(tools.map((tool) => (tool.function as Json | undefined)?.name));
    case 'responses':
      // Function and custom (free-form) tools carry their name at the top; built-in ones (web_search) have none.
      return namesOf(tools.map((tool) => tool.name));
    case 'gemini':
      return namesOf(tools.flatMap((tool) => objects(tool.functionDeclarations ?? tool.function_declarations).map((declaration) => declaration.name)));
  }
}

/** How many tool results the conversation holds: the turns a scripted model has already taken with tools. */
export function toolResultCount(wire: Wire, body: Json): number {
  switch (wire) {
    case 'anthropic':
      return objects(body.messages)
        .filter((message) => message.role === 'user')
        .flatMap((message) => objects(message.content))
        .filter((block) => block.type === 'tool_result').length;
    case 'openai':
      return objects(body.messages).filter((message) => message.role === 'tool').length;
    case 'responses':
      return objects(body.input).filter((item) => typeof item.type === 'string' && item.type.endsWith('_call_output')).length;
    case 'gemini':
      return objects(body.contents)
        .flatMap((content) => objects(content.parts))
        .filter((part) => part.functionResponse !== undefined || part.function_response !== undefined).length;
  }
}

function namesOf(names: unknown[]): Set<string> {
  return new Set(names.filter((name): name is string => typeof name === 'string'));
}
