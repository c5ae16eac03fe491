import { z } from 'zod';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * Validates the few fields Sluice reads. The schema describes only those; unknown fields are ignored here
 * and survive in the body that goes upstream. `isPlainlyValid`, when given, accepts the common well-formed
 * body by hand and the body is used as is: zod copies every object and array it parses, a cost on every
 * call. It must accept nothing the schema refuses; whatever it does not accept goes to zod, which then
 * accepts it or names the field at fault.
 */
export function parseRequestBody<Schema extends z.ZodTypeAny>(
  schema: Schema,
  body: unknown,
  isPlainlyValid?: (body: Record<string, unknown>) => boolean,
): z.infer<Schema> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  if (isPlainlyValid?.(body as Record<string, unknown>)) return body as z.infer<Schema>;
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const message = issue?.code === 'invalid_type' && issue.received === 'undefined'
    ? `Missing required field '${field}'.`
    : `Invalid field '${field}': ${issue?.message ?? 'invalid value'}.`;
  throw new GatewayError('invalid_request', message, { param: field || undefined });
}

/** A non-empty list; each message's shape is checked by `checkMessageRoles`, which copies nothing. */
export const messageList = z.array(z.unknown()).min(1, 'must contain at least one message');

/**
 * Each message must be an object with a string `role`. Checked by hand: zod's object parsing would copy
 * every message, which on a long conversation costs as much again as parsing the JSON.
 */
export function checkMessageRoles(messages: readonly unknown[]): void {
  for (let index = 0; index < messages.length; index++) {
    const message = messages[index];
    if (typeof message !== 'object' || message === null || Array.isArray(message)) {
      throw new GatewayError('invalid_request', `Invalid field 'messages.${index}': expected an object.`, { param: `messages.${index}` });
    }
    const role = (message as { role?: unknown }).role;
    if (role === undefined) {
      throw new GatewayError('invalid_request', `Missing required field 'messages.${index}.role'.`, { param: `messages.${index}.role` });
    }
    if (typeof role !== 'string') {
      throw new GatewayError('invalid_request', `Invalid field 'messages.${index}.role': expected a string.`, { param: `messages.${index}.role` });
    }
  }
}

/** For the hand checks of `parseRequestBody`: what a `z.string().min(1)` accepts. */
export const isNonEmptyString = (value: unknown): boolean => typeof value === 'string' && value.length > 0;

/** What a `nullish()` field of the given type accepts: absent, null, or of that type. */
export const isNullishOr = (value: unknown, type: 'string' | 'boolean'): boolean => value === undefined || value === null || typeof value === type;

/** A plain object (not null, not an array), as a `z.object` accepts. */
export const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** What `messageList` accepts: a non-empty array. */
export const isNonEmptyList = (value: unknown): boolean => Array.isArray(value) && value.length > 0;
