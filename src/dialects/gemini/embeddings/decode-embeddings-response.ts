import { GatewayError } from '../../../errors/gateway-error.js';
import type { IrEmbeddingsResponse } from '../../../ir/embeddings-types.js';
import { field } from '../decode-request.js';
import { convertGeminiEmbeddingsUsage } from './convert-embeddings-usage.js';

type Json = Record<string, unknown>;

/** `{ embedding: { values } }` (`:embedContent`) or `{ embeddings: [{ values }] }` (`:batchEmbedContents`) as the core model. */
export function decodeGeminiEmbeddingsResponse(body: unknown): IrEmbeddingsResponse {
  const response = (body !== null && typeof body === 'object' ? body : {}) as Json;
  const one = field(response, 'embedding');
  const many = field(response, 'embeddings');
  const embeddings = Array.isArray(many) ? (many as unknown[]) : one !== undefined ? [one] : undefined;
  if (!embeddings) throw unreadable('it has no embedding');
  const vectors = embeddings.map((embedding, index) => {
    const values = embedding !== null && typeof embedding === 'object' ? (embedding as Json).values : undefined;
    if (!Array.isArray(values) || !values.every((value) => typeof value === 'number')) throw unreadable(`embedding ${index} has no values`);
    return values as number[];
  });
  return { model: '', vectors, usage: convertGeminiEmbeddingsUsage(field(response, 'usageMetadata')) };
}

function unreadable(why: string): GatewayError {
  return new GatewayError('upstream_invalid_response', `The upstream embeddings answer cannot be read: ${why}.`);
}
