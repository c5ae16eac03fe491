import { z } from 'zod';
import { parseRequestBody } from '../../dialects/parse-request-body.js';
import { GatewayError } from '../../errors/gateway-error.js';

/**
 * Validates an `/admin/*` body against a strict schema. Unlike model calls, where unknown fields are the
 * provider's and pass through, an admin body is Sluice's own API, so an unknown field is a mistake: `team`
 * for `teamName` used to issue a key with no team. It is a 400 naming every unknown field and the fields
 * that would have been understood there; any other problem gets the usual message from `parseRequestBody`.
 */
export function parseAdminBody<Schema extends z.ZodTypeAny>(schema: Schema, body: unknown): z.infer<Schema> {
  if (body !== null && typeof body === 'object' && !Array.isArray(body)) {
    const result = schema.safeParse(body);
    if (!result.success) {
      const unknownIssues = result.error.issues.filter((issue): issue is z.ZodIssue & { code: 'unrecognized_keys' } => issue.code === 'unrecognized_keys');
      if (unknownIssues.length > 0) throw unknownFieldsError(schema, unknownIssues);
    }
  }
  return parseRequestBody(schema, body);
}

function unknownFieldsError(schema: z.ZodTypeAny, nestedFirst: Array<z.ZodIssue & { code: 'unrecognized_keys' }>): GatewayError {
  // zod reports inner objects first; name the top-level mistakes first.
  const issues = [...nestedFirst].sort((first, second) => first.path.length - second.path.length);
  const unknown = issues.flatMap((issue) => issue.keys.map((key) => [...issue.path, key].join('.')));
  const hints = issues.map((issue) => {
    const known = Object.keys(objectShapeAt(schema, issue.path) ?? {});
    if (known.length === 0) return issue.path.length === 0 ? 'This request takes no body fields.' : `'${issue.path.join('.')}' takes no fields.`;
    const where = issue.path.length === 0 ? 'Known fields' : `Known fields of '${issue.path.join('.')}'`;
    return `${where}: ${known.join(', ')}.`;
  });
  const named = unknown.map((field) => `'${field}'`).join(', ');
  return new GatewayError('invalid_request', `Unknown field${unknown.length === 1 ? '' : 's'} ${named}. ${[...new Set(hints)].join(' ')}`, { param: unknown[0] });
}

/** The fields of the object schema found by following `path` from `schema`, looking through wrappers. */
function objectShapeAt(schema: z.ZodTypeAny, path: ReadonlyArray<string | number>): z.ZodRawShape | undefined {
  let current: z.ZodTypeAny | undefined = unwrap(schema);
  for (const segment of path) {
    if (!(current instanceof z.ZodObject)) return undefined;
    const shape = current.shape as z.ZodRawShape;
    current = Object.hasOwn(shape, segment) ? unwrap(shape[segment]!) : undefined;
  }
  return current instanceof z.ZodObject ? (current.shape as z.ZodRawShape) : undefined;
}

function unwrap(schema: z.ZodTypeAny): z.ZodTypeAny {
  let current = schema;
  for (;;) {
    if (current instanceof z.ZodOptional || current instanceof z.ZodNullable) current = current.unwrap() as z.ZodTypeAny;
    else if (current instanceof z.ZodDefault) current = current.removeDefault() as z.ZodTypeAny;
    else if (current instanceof z.ZodEffects) current = current.innerType() as z.ZodTypeAny;
    else return current;
  }
}
