import { renameModelField } from '../rename-model-field.js';
import type { Dialect } from '../dialect.js';
import { promptContainsImage, fieldOf, finiteNumberAt } from '../read-body-facts.js';
import { readResponseFacts, stringsOf } from '../read-response-facts.js';
import { decodeAnthropicRequest } from './decode-request.js';
import { decodeAnthropicResponse } from './decode-response.js';
import { encodeAnthropicRequest } from './encode-request.js';
import { encodeAnthropicResponse } from './encode-response.js';
import { createAnthropicStreamDecoder } from './stream-decoder.js';
import { createAnthropicStreamEncoder } from './stream-encoder.js';
import { convertAnthropicUsage } from './convert-usage.js';
import { anthropicVersionHeader } from './anthropic-version.js';
import { planThinking } from './plan-thinking.js';
import { anthropicErrorBody, anthropicStreamErrorEvent, isAnthropicErrorBody } from './error-body.js';
import { parseAnthropicMessagesRequest } from './parse-request.js';
import { createAnthropicStreamTap } from './stream-tap.js';
import { countAnthropicImages } from './count-images.js';

export const anthropicMessagesDialect: Dialect = {
  name: 'anthropic-messages',
  versionHeader: anthropicVersionHeader,
  parseRequest: parseAnthropicMessagesRequest,
  // Pass-through needs nothing but the resolved model name.
  prepareUpstreamBody(body, _request, target) {
    return {
      body: body.model === target.upstreamModel ? body : { ...body, model: target.upstreamModel },
      removeInjectedUsageChunk: false,
    };
  },
  readResponse: (body) => readResponseFacts(body, convertAnthropicUsage, (response) => stringsOf([response.stop_reason])),
  countImages: countAnthropicImages,
  maxOutputTokensField: () => 'max_tokens',
  maxOutputTokens: (body) => finiteNumberAt(body.max_tokens),
  sendsImages: (body) => promptContainsImage(body, 'messages'),
  // `thinking: { type: 'disabled' }` is asking for none.
  asksForReasoning: (body) => body.thinking !== undefined && fieldOf(body.thinking, 'type') !== 'disabled',
  cacheIgnoredFields: new Set(['model', 'stream', 'metadata']),
  createStreamTap: createAnthropicStreamTap,
  errorBody: anthropicErrorBody,
  streamErrorEvent: anthropicStreamErrorEvent,
  decodeRequest: decodeAnthropicRequest,
  encodeRequest: encodeAnthropicRequest,
  sentMaxOutputTokens: (request) => planThinking(request).maxTokens,
  decodeResponse: decodeAnthropicResponse,
  encodeResponse: encodeAnthropicResponse,
  createStreamDecoder: createAnthropicStreamDecoder,
  createStreamEncoder: createAnthropicStreamEncoder,
  isErrorBody: isAnthropicErrorBody,
  // A whole answer names it at the top, a stream in `message_start`'s message.
  renameModel: (answer, model) => {
    renameModelField(answer, 'model', model);
    if (answer !== null && typeof answer === 'object') renameModelField((answer as { message?: unknown }).message, 'model', model);
  },
  // No embeddings API in this shape.
  embeddings: undefined,
};
