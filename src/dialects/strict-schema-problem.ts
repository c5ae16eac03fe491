import type { IrResponseFormat } from '../ir/ir-types.js';

type Json = Record<string, unknown>;

const maximumDepth = 64;

/**
 * Why OpenAI's strict structured outputs would refuse `schema`, or undefined when they accept it: strict
 * mode needs an object at the root, and every object closed (`additionalProperties: false`) with every
 * property required. Schemas from Claude or Gemini callers often leave properties optional, which those
 * providers allow; such a schema is then sent without `strict` (followed, not enforced) and the caller
 * is told.
 */
export function strictSchemaProblem(schema: Json): string | undefined {
  if (schema.type !== 'object') return 'the schema root is not an object';
  return objectProblem(schema, '', 0);
}

/**
 * The `strict` flag for an OpenAI json_schema format: kept when the caller asked for it and OpenAI can
 * enforce the schema; otherwise left out, with a warning when the caller asked for enforcement.
 */
export function openAiStrictFlag(format: Extract<IrResponseFormat, { type: 'json_schema' }>, warnings: string[]): boolean | undefined {
  if (format.strict !== true) return format.strict;
  const problem = strictSchemaProblem(format.schema);
  if (problem === undefined) return true;
  warnings.push(`response_format strict dropped: OpenAI can only follow this schema loosely (${problem})`);
  return undefined;
}

function objectProblem(schema: Json, path: string, depth: number): string | undefined {
  if (depth > maximumDepth) return undefined;
  const properties = isObject(schema.properties) ? schema.properties : {};
  if (schema.type === 'object' || isObject(schema.properties)) {
    if (schema.additionalProperties !== false) return `the object at ${quoted(path || '/')} does not set additionalProperties: false`;
    const required = new Set(Array.isArray(schema.required) ? schema.required : []);
    const optional = Object.keys(properties).find((name) => !required.has(name));
    if (optional !== undefined) return `${quoted(`${path}/${optional}`)} is not required`;
  }
  for (const [name, subschema] of Object.entries(properties)) {
    const problem = isObject(subschema) ? objectProblem(subschema, `${path}/${name}`, depth + 1) : undefined;
    if (problem) return problem;
  }
  const nested: Array<[string, unknown]> = [['items', schema.items]];
  for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
    const list = schema[keyword];
    if (Array.isArray(list)) list.forEach((subschema: unknown, index) => nested.push([`${keyword}/${index}`, subschema]));
  }
  for (const keyword of ['$defs', 'definitions']) {
    const map = schema[keyword];
    if (isObject(map)) for (const [name, subschema] of Object.entries(map)) nested.push([`${keyword}/${name}`, subschema]);
  }
  for (const [step, subschema] of nested) {
    const problem = isObject(subschema) ? objectProblem(subschema, `${path}/${step}`, depth + 1) : undefined;
    if (problem) return problem;
  }
  return undefined;
}

/** A schema path as it may appear in a warning header: caller text, so ASCII only and bounded. */
function quoted(path: string): string {
  const ascii = path.replace(/[^\x20-\x7e]/g, (character) => `\\u${character.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return `'${ascii.length > 80 ? `${ascii.slice(0, 80)}...` : ascii}'`;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
