import type { EmbeddingsCodec } from '../../embeddings-codec.js';
import { field } from '../decode-request.js';
import { convertGeminiEmbeddingsUsage } from './convert-embeddings-usage.js';
import { decodeGeminiEmbeddingsRequest } from './decode-embeddings-request.js';
import { decodeGeminiEmbeddingsResponse } from './decode-embeddings-response.js';
import { encodeGeminiEmbeddingsRequest } from './encode-embeddings-request.js';
import { encodeGeminiEmbeddingsResponse } from './encode-embeddings-response.js';

type Json = Record<string, unknown>;

/** Gemini's native `:embedContent` and `:batchEmbedContents`. */
export const geminiEmbeddingsCodec: EmbeddingsCodec = {
  decodeRequest: decodeGeminiEmbeddingsRequest,
  prepareUpstreamBody(body, request, target) {
    const batch = !request.single;
    // The URL carries the model; a batch names it again in every request (and a single request may), and
    // Gemini refuses a mismatch, so an alias or a group's name is replaced by the model called.
    const model = `models/${target.upstreamModel}`;
    if (!batch) {
      const named = field(body, 'model');
      return { body: named === undefined || named === model ? body : { ...body, model }, batch, warnings: [] };
    }
    const requests = field(body, 'requests') as Json[];
    if (requests.every((entry) => field(entry, 'model') === model)) return { body, batch, warnings: [] };
    return { body: { ...body, requests: requests.map((entry) => ({ ...entry, model })) }, batch, warnings: [] };
  },
  encodeRequest: encodeGeminiEmbeddingsRequest,
  readResponse: (body) => ({
    usage: convertGeminiEmbeddingsUsage(field((body ?? {}) as Json, 'usageMetadata')),
    reportedModel: undefined,
  }),
  decodeResponse: decodeGeminiEmbeddingsResponse,
  encodeResponse: encodeGeminiEmbeddingsResponse,
};
