import type { EmbeddingsCodec } from '../../embeddings-codec.js';
import { convertOpenAiEmbeddingsUsage } from './convert-embeddings-usage.js';
import { decodeOpenAiEmbeddingsRequest } from './decode-embeddings-request.js';
import { decodeOpenAiEmbeddingsResponse } from './decode-embeddings-response.js';
import { encodeOpenAiEmbeddingsRequest } from './encode-embeddings-request.js';
import { encodeOpenAiEmbeddingsResponse } from './encode-embeddings-response.js';

/** `POST /v1/embeddings`, the shape OpenAI, Mistral and every OpenAI-compatible server share. */
export const openAiEmbeddingsCodec: EmbeddingsCodec = {
  decodeRequest: decodeOpenAiEmbeddingsRequest,
  prepareUpstreamBody(body, request, target) {
    const field = target.endpoint.dimensionsField;
    // Most bodies go as they came, but for the model name (and Mistral's name for `dimensions`).
    if (body.model === target.upstreamModel && (field === undefined || body.dimensions === undefined)) {
      return { body, batch: request.inputs.length > 1, warnings: [] };
    }
    const prepared: Record<string, unknown> = { ...body, model: target.upstreamModel };
    if (field !== undefined && prepared.dimensions !== undefined) {
      prepared[field] = prepared.dimensions;
      delete prepared.dimensions;
    }
    return { body: prepared, batch: request.inputs.length > 1, warnings: [] };
  },
  encodeRequest: encodeOpenAiEmbeddingsRequest,
  readResponse(body) {
    const response = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
    return { usage: convertOpenAiEmbeddingsUsage(response.usage), reportedModel: typeof response.model === 'string' ? response.model : undefined };
  },
  decodeResponse: decodeOpenAiEmbeddingsResponse,
  encodeResponse: encodeOpenAiEmbeddingsResponse,
};
