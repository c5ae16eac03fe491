type Json = Record<string, unknown>;

const maximumDepth = 64;

/**
 * Gemini's `Schema` (`responseSchema`, a function's `parameters`) as JSON Schema, for other providers.
 * It is a subset of OpenAPI 3.0: types are upper-case enum names (`OBJECT`, `STRING`), `nullable` stands for
 * a null alternative, and `propertyOrdering` only steers Gemini's own output. Everything else it has
 * (properties, items, required, enum, format, description, anyOf, bounds) reads the same in JSON Schema.
 */
export function jsonSchemaFromGemini(schema: Json, depth = 0): Json {
  if (depth > maximumDepth) return schema;
  const { nullable, propertyOrdering: _ordering, property_ordering: _orderingSnakeCase, ...rest } = schema;
  const converted: Json = { ...rest };
  if (typeof rest.type === 'string') {
    const type = rest.type.toLowerCase();
    if (type === 'type_unspecified') delete converted.type;
    else converted.type = nullable === true && type !== 'null' ? [type, 'null'] : type;
  }
  if (isObject(rest.properties)) {
    converted.properties = Object.fromEntries(
      Object.entries(rest.properties).map(([name, value]) => [name, isObject(value) ? jsonSchemaFromGemini(value, depth + 1) : value]),
    );
  }
  if (isObject(rest.items)) converted.items = jsonSchemaFromGemini(rest.items, depth + 1);
  const alternatives = rest.anyOf ?? rest.any_of;
  if (Array.isArray(alternatives)) {
    delete converted.any_of;
    converted.anyOf = alternatives.map((value: unknown) => (isObject(value) ? jsonSchemaFromGemini(value, depth + 1) : value));
  }
  return converted;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
