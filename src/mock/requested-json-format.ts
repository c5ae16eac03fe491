import type { Wire } from './wire.js';

type Json = Record<string, unknown>;

/**
 * The JSON answer a request asks for, in its own shape: Anthropic `output_config.format` (or the beta
 * `output_format`), OpenAI `response_format`, Responses `text.format`, Gemini `responseMimeType` with
 * `responseJsonSchema` / `responseSchema`. `schema` is undefined for JSON mode without one.
 */
export function requestedJsonFormat(wire: Wire, body: Json): { schema: Json | undefined } | undefined {
  switch (wire) {
    case 'anthropic': {
      const format = (objectAt(body.output_config)?.format ?? body.output_format) as Json | undefined;
      return format?.type === 'json_schema' ? { schema: objectAt(format.schema) } : undefined;
    }
    case 'openai': {
      const format = objectAt(body.response_format);
      if (format?.type === 'json_object') return { schema: undefined };
      return format?.type === 'json_schema' ? { schema: objectAt(objectAt(format.json_schema)?.schema) } : undefined;
    }
    case 'responses': {
      const format = objectAt(objectAt(body.text)?.format);
      if (format?.type === 'json_object') return { schema: undefined };
      return format?.type === 'json_schema' ? { schema: objectAt(format.schema) } : undefined;
    }
    case 'gemini': {
      const generation = objectAt(body.generationConfig ?? body.generation_config);
      if ((generation?.responseMimeType ?? generation?.response_mime_type) !== 'application/json') return undefined;
      const schema = generation?.responseJsonSchema ?? generation?.response_json_schema ?? generation?.responseSchema ?? generation?.response_schema;
      return { schema: objectAt(schema) };
    }
  }
}

/**
 * A small value valid under `schema` (the subset structured outputs take: types, properties, items, enum,
 * const, anyOf), so a schema-constrained answer from the fake parses and validates like a real one.
 */
export function exampleOf(schema: Json | undefined, depth = 0): unknown {
  if (!schema || depth > 16) return {};
  if (Array.isArray(schema.enum) && schema.enum.length > 0) return schema.enum[0];
  if (schema.const !== undefined) return schema.const;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (Array.isArray(alternatives) && alternatives.length > 0) return exampleOf(objectAt(alternatives[0]), depth + 1);
  const declared = Array.isArray(schema.type) ? schema.type.find((type) => type !== 'null') : schema.type;
  const type = typeof declared === 'string' ? declared.toLowerCase() : 'object';
  switch (type) {
    case 'string':
      return 'mock';
    case 'number':
    case 'integer':
      return 1;
    case 'boolean':
      return true;
    case 'null':
      return null;
    case 'array': {
      const items = objectAt(schema.items);
      return items ? [exampleOf(items, depth + 1)] : [];
    }
    default:
      // Every declared property: valid whether or not the schema lets some be left out.
      return Object.fromEntries(Object.entries(objectAt(schema.properties) ?? {}).map(([name, property]) => [name, exampleOf(objectAt(property), depth + 1)]));
  }
}

function objectAt(value: unknown): Json | undefined {
  return value !== null && typeof value === 'object' && !Array.isArray(value) ? (value as Json) : undefined;
}
