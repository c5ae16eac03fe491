import { renameModelField } from '../rename-model-field.js';
import type { Dialect } from '../dialect.js';
import { promptContainsImage, fieldOf, finiteNumberAt } from '../read-body-facts.js';
import { stringsOf } from '../read-response-facts.js';
import { convertGeminiUsage } from './convert-usage.js';
import { decodeGeminiRequest, field } from './decode-request.js';
import { decodeGeminiResponse } from './decode-response.js';
import { encodeGeminiRequest } from './encode-request.js';
import { encodeGeminiResponse } from './encode-response.js';
import { geminiErrorBody, geminiStreamErrorEvent, isGeminiErrorBody } from './error-body.js';
import { parseGeminiRequest } from './parse-request.js';
import { createGeminiStreamDecoder } from './stream-decoder.js';
import { createGeminiStreamEncoder } from './stream-encoder.js';
import { createGeminiStreamTap } from './stream-tap.js';
import { geminiEmbeddingsCodec } from './embeddings/gemini-embeddings-codec.js';
import { countGeminiImages } from './count-images.js';

export const geminiDialect: Dialect = {
  name: 'gemini',
  versionHeader: undefined,
  parseRequest: parseGeminiRequest,
  // The model travels in the URL, so a pass-through body needs no edit at all.
  prepareUpstreamBody: (body) => ({ body, removeInjectedUsageChunk: false }),
  readResponse(body) {
    const response = (body ?? {}) as Record<string, unknown>;
    const model = field(response, 'modelVersion');
    const responseId = field(response, 'responseId');
    const candidates = response.candidates;
    return {
      usage: convertGeminiUsage(field(response, 'usageMetadata')),
      reportedModel: typeof model === 'string' ? model : undefined,
      responseId: typeof responseId === 'string' ? responseId : undefined,
      finishReasons: Array.isArray(candidates) ? stringsOf(candidates.map((candidate: Record<string, unknown> | undefined) => field(candidate, 'finishReason'))) : undefined,
    };
  },
  countImages: countGeminiImages,
  maxOutputTokensField: () => 'generationConfig.maxOutputTokens',
  maxOutputTokens: (body) => finiteNumberAt(fieldOf(body.generationConfig, 'maxOutputTokens')),
  sendsImages: (body) => promptContainsImage(body, 'contents'),
  asksForReasoning: (body) => fieldOf(body.generationConfig, 'thinkingConfig') !== undefined,
  // The model and streaming travel in the URL; only an embeddings body repeats the model (`models/…`).
  cacheIgnoredFields: new Set(['model']),
  createStreamTap: createGeminiStreamTap,
  errorBody: geminiErrorBody,
  streamErrorEvent: geminiStreamErrorEvent,
  decodeRequest: decodeGeminiRequest,
  encodeRequest: encodeGeminiRequest,
  sentMaxOutputTokens: (request) => request.maxTokens,
  decodeResponse: decodeGeminiResponse,
  encodeResponse: encodeGeminiResponse,
  createStreamDecoder: createGeminiStreamDecoder,
  createStreamEncoder: createGeminiStreamEncoder,
  isErrorBody: isGeminiErrorBody,
  renameModel: (answer, model) => renameModelField(answer, 'modelVersion', model),
  embeddings: geminiEmbeddingsCodec,
};
