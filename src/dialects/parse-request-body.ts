import type { z } from 'zod';
import { GatewayError } from '../errors/gateway-error.js';

/**
 * Validates the few fields Sluice reads. The schema describes only those; unknown fields are ignored here
 * and survive in the body that goes upstream.
 */
export function parseRequestBody<Schema extends z.ZodTypeAny>(schema: Schema, body: unknown): z.infer<Schema> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw new GatewayError('invalid_request', 'The request body must be a JSON object.');
  }
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const field = issue?.path.join('.') ?? '';
  const message = issue?.code === 'invalid_type' && issue.received === 'undefined'
    ? `Missing required field '${field}'.`
    : `Invalid field '${field}': ${issue?.message ?? 'invalid value'}.`;
  throw new GatewayError('invalid_request', message, { param: field || undefined });
}
