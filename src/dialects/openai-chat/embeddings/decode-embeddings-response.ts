import { GatewayError } from '../../../errors/gateway-error.js';
import type { IrEmbeddingsResponse } from '../../../ir/embeddings-types.js';
import { decodeVectorBase64 } from './base64-vector.js';
import { convertOpenAiEmbeddingsUsage } from './convert-embeddings-usage.js';

/**
 * An OpenAI-shaped embeddings answer (`data[].embedding` as numbers or base64, `data[].index`) as the core
 * model, vectors in input order. 502 when there are none to read.
 */
export function decodeOpenAiEmbeddingsResponse(body: unknown): IrEmbeddingsResponse {
  const response = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  const data = response.data;
  if (!Array.isArray(data)) throw unreadable('it has no data list');
  const vectors: number[][] = new Array<number[]>(data.length);
  data.forEach((item: unknown, position) => {
    const entry = (item !== null && typeof item === 'object' ? item : {}) as Record<string, unknown>;
    const index = Number.isInteger(entry.index) && (entry.index as number) >= 0 && (entry.index as number) < data.length ? (entry.index as number) : position;
    const vector = vectorOf(entry.embedding);
    if (!vector) throw unreadable(`data.${position}.embedding is not a vector`);
    vectors[index] = vector;
  });
  for (let index = 0; index < vectors.length; index++) if (!vectors[index]) throw unreadable(`no embedding has index ${index}`);
  return {
    model: typeof response.model === 'string' ? response.model : '',
    vectors,
    usage: convertOpenAiEmbeddingsUsage(response.usage),
  };
}

function vectorOf(embedding: unknown): number[] | undefined {
  if (typeof embedding === 'string') return decodeVectorBase64(embedding);
  if (Array.isArray(embedding) && embedding.every((value) => typeof value === 'number')) return embedding as number[];
  return undefined;
}

function unreadable(why: string): GatewayError {
  return new GatewayError('upstream_invalid_response', `The upstream embeddings answer cannot be read: ${why}.`);
}
