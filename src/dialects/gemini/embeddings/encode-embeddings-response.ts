import type { IrEmbeddingsRequest, IrEmbeddingsResponse } from '../../../ir/embeddings-types.js';

/** The core answer as Gemini writes it: one `embedding` for `:embedContent`, a list for `:batchEmbedContents`. */
export function encodeGeminiEmbeddingsResponse(response: IrEmbeddingsResponse, request: IrEmbeddingsRequest): Record<string, unknown> {
  if (request.single) return { embedding: { values: response.vectors[0] ?? [] } };
  return { embeddings: response.vectors.map((values) => ({ values })) };
}
