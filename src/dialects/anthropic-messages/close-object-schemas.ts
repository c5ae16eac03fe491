type Json = Record<string, unknown>;

/** Deeper schemas are left as they are (the gateway refuses bodies nested far deeper long before this matters). */
const maximumDepth = 64;

/** Keywords whose value is one subschema, or a map or list of them. */
const subschemaKeywords = ['items', 'additionalProperties', 'not', 'contains'] as const;
const subschemaMapKeywords = ['properties', '$defs', 'definitions', 'patternProperties'] as const;
const subschemaListKeywords = ['anyOf', 'oneOf', 'allOf', 'prefixItems'] as const;

/**
 * A copy of a JSON schema where every object that does not say otherwise takes no undeclared properties
 * (`additionalProperties: false`), as Claude's structured outputs require (the Anthropic SDKs apply the same
 * transform). Any answer valid under the copy is valid under the caller's schema. A schema that allows
 * extra properties explicitly is left to Claude to accept or refuse by name.
 */
export function closeObjectSchemas(schema: Json, depth = 0): Json {
  if (depth > maximumDepth) return schema;
  const copy: Json = { ...schema };
  for (const keyword of subschemaKeywords) {
    const value = copy[keyword];
    if (isSchema(value)) copy[keyword] = closeObjectSchemas(value, depth + 1);
  }
  for (const keyword of subschemaMapKeywords) {
    const value = copy[keyword];
    if (!isSchema(value)) continue;
    // fromEntries defines own properties, so a property named `__proto__` stays a property.
    copy[keyword] = Object.fromEntries(
      Object.entries(value).map(([name, subschema]) => [name, isSchema(subschema) ? closeObjectSchemas(subschema, depth + 1) : subschema]),
    );
  }
  for (const keyword of subschemaListKeywords) {
    const value = copy[keyword];
    if (Array.isArray(value)) copy[keyword] = value.map((subschema: unknown) => (isSchema(subschema) ? closeObjectSchemas(subschema, depth + 1) : subschema));
  }
  if (describesObject(copy) && copy.additionalProperties === undefined) copy.additionalProperties = false;
  return copy;
}

function describesObject(schema: Json): boolean {
  const type = schema.type;
  return type === 'object' || (Array.isArray(type) && type.includes('object')) || (type === undefined && isSchema(schema.properties));
}

function isSchema(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
