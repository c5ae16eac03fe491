import type { IrEmbeddingsRequest, IrEmbeddingsResponse } from '../../../ir/embeddings-types.js';
import { encodeVectorBase64 } from './base64-vector.js';

/**
 * The core answer as OpenAI writes it: a list of `embedding` objects in input order, numbers or base64 as
 * the caller asked (Sluice encodes base64 itself for providers that only return numbers), and usage.
 */
export function encodeOpenAiEmbeddingsResponse(response: IrEmbeddingsResponse, request: IrEmbeddingsRequest): Record<string, unknown> {
  const base64 = request.encodingFormat === 'base64';
  const inputTokens = response.usage?.inputTokens ?? 0;
  return {
    object: 'list',
    data: response.vectors.map((vector, index) => ({ object: 'embedding', index, embedding: base64 ? encodeVectorBase64(vector) : vector })),
    model: response.model || request.model,
    usage: { prompt_tokens: inputTokens, total_tokens: inputTokens },
  };
}
