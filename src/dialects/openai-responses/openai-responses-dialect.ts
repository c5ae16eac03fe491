import { renameModelField } from '../rename-model-field.js';
import type { Dialect } from '../dialect.js';
import { openAiCacheIgnoredFields } from '../openai-chat/cache-ignored-fields.js';
import { promptContainsImage, finiteNumberAt } from '../read-body-facts.js';
import { openAiChatErrorBody, isOpenAiErrorBody } from '../openai-chat/error-body.js';
import { readResponseFacts, stringsOf } from '../read-response-facts.js';
import { convertResponsesUsage } from './convert-usage.js';
import { decodeResponsesRequest } from './decode-request.js';
import { decodeResponsesResponse } from './decode-response.js';
import { encodeResponsesRequest } from './encode-request.js';
import { encodeResponsesResponse } from './encode-response.js';
import { responsesStreamErrorEvent } from './error-body.js';
import { parseResponsesRequest } from './parse-request.js';
import { createResponsesStreamDecoder } from './stream-decoder.js';
import { createResponsesStreamEncoder } from './stream-encoder.js';
import { createResponsesStreamTap } from './stream-tap.js';
import { countResponsesImages } from './count-images.js';

export const openAiResponsesDialect: Dialect = {
  name: 'openai-responses',
  versionHeader: undefined,
  parseRequest: parseResponsesRequest,
  // Responses streams always end with the usage; pass-through only resolves the model.
  prepareUpstreamBody(body, _request, target) {
    return { body: body.model === target.upstreamModel ? body : { ...body, model: target.upstreamModel }, removeInjectedUsageChunk: false };
  },
  // A Responses answer has no finish reason: its status, or why it is incomplete (`max_output_tokens`).
  readResponse: (body) =>
    readResponseFacts(body, convertResponsesUsage, (response) =>
      stringsOf([(response.incomplete_details as { reason?: unknown } | null | undefined)?.reason ?? response.status]),
    ),
  countImages: countResponsesImages,
  maxOutputTokensField: () => 'max_output_tokens',
  maxOutputTokens: (body) => finiteNumberAt(body.max_output_tokens),
  sendsImages: (body) => promptContainsImage(body, 'input'),
  asksForReasoning: (body) => body.reasoning !== undefined,
  // The same delivery and attribution fields as Chat Completions.
  cacheIgnoredFields: openAiCacheIgnoredFields,
  createStreamTap: createResponsesStreamTap,
  errorBody: openAiChatErrorBody,
  streamErrorEvent: responsesStreamErrorEvent,
  decodeRequest: decodeResponsesRequest,
  encodeRequest: encodeResponsesRequest,
  sentMaxOutputTokens: (request) => request.maxTokens,
  decodeResponse: decodeResponsesResponse,
  encodeResponse: encodeResponsesResponse,
  createStreamDecoder: createResponsesStreamDecoder,
  createStreamEncoder: createResponsesStreamEncoder,
  isErrorBody: isOpenAiErrorBody,
  // A whole answer names it at the top, events in their `response` (created, in progress, completed…).
  renameModel: (answer, model) => {
    renameModelField(answer, 'model', model);
    if (answer !== null && typeof answer === 'object') renameModelField((answer as { response?: unknown }).response, 'model', model);
  },
  // No embeddings API in this shape.
  embeddings: undefined,
};
