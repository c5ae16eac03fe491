import { renameModelField } from '../rename-model-field.js';
import type { Dialect } from '../dialect.js';
import { promptContainsImage, finiteNumberAt } from '../read-body-facts.js';
import { openAiCacheIgnoredFields } from './cache-ignored-fields.js';
import { readResponseFacts, stringsOf } from '../read-response-facts.js';
import { decodeOpenAiChatRequest } from './decode-request.js';
import { decodeOpenAiChatResponse } from './decode-response.js';
import { encodeOpenAiChatRequest } from './encode-request.js';
import { encodeOpenAiChatResponse } from './encode-response.js';
import { createOpenAiChatStreamDecoder } from './stream-decoder.js';
import { createOpenAiChatStreamEncoder } from './stream-encoder.js';
import { convertOpenAiChatUsage } from './convert-usage.js';
import { openAiChatErrorBody, openAiChatStreamErrorEvent, isOpenAiErrorBody } from './error-body.js';
import { parseOpenAiChatRequest } from './parse-request.js';
import { prepareOpenAiChatBody } from './prepare-upstream-body.js';
import { createOpenAiChatStreamTap } from './stream-tap.js';
import { openAiEmbeddingsCodec } from './embeddings/openai-embeddings-codec.js';
import { countOpenAiChatImages } from './count-images.js';

export const openAiChatDialect: Dialect = {
  name: 'openai-chat',
  versionHeader: undefined,
  parseRequest: parseOpenAiChatRequest,
  prepareUpstreamBody: prepareOpenAiChatBody,
  readResponse: (body) =>
    readResponseFacts(body, convertOpenAiChatUsage, (response) =>
      Array.isArray(response.choices) ? stringsOf(response.choices.map((choice: { finish_reason?: unknown } | null) => choice?.finish_reason)) : undefined,
    ),
  countImages: countOpenAiChatImages,
  // The newer field wins: OpenAI's reasoning models take only `max_completion_tokens`.
  maxOutputTokensField: (body) => (finiteNumberAt(body.max_completion_tokens) !== undefined ? 'max_completion_tokens' : 'max_tokens'),
  maxOutputTokens: (body) => finiteNumberAt(body.max_completion_tokens) ?? finiteNumberAt(body.max_tokens),
  sendsImages: (body) => promptContainsImage(body, 'messages'),
  asksForReasoning: (body) => body.reasoning_effort !== undefined,
  cacheIgnoredFields: openAiCacheIgnoredFields,
  createStreamTap: createOpenAiChatStreamTap,
  errorBody: openAiChatErrorBody,
  streamErrorEvent: openAiChatStreamErrorEvent,
  decodeRequest: decodeOpenAiChatRequest,
  encodeRequest: encodeOpenAiChatRequest,
  sentMaxOutputTokens: (request) => request.maxTokens,
  decodeResponse: decodeOpenAiChatResponse,
  encodeResponse: encodeOpenAiChatResponse,
  createStreamDecoder: createOpenAiChatStreamDecoder,
  createStreamEncoder: createOpenAiChatStreamEncoder,
  isErrorBody: isOpenAiErrorBody,
  renameModel: (answer, model) => renameModelField(answer, 'model', model),
  // `/v1/embeddings` belongs to the same family: same base URL, auth and error envelope.
  embeddings: openAiEmbeddingsCodec,
};
