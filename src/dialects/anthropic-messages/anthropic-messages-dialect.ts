import type { Dialect } from '../dialect.js';
import { convertAnthropicUsage } from './convert-usage.js';
import { anthropicErrorBody, anthropicStreamErrorEvent } from './error-body.js';
import { parseAnthropicMessagesRequest } from './parse-request.js';
import { createAnthropicStreamTap } from './stream-tap.js';

export const anthropicMessagesDialect: Dialect = {
  name: 'anthropic-messages',
  parseRequest: parseAnthropicMessagesRequest,
  // Pass-through needs nothing but the resolved model name.
  prepareUpstreamBody(body, _request, target) {
    return {
      body: body.model === target.upstreamModel ? body : { ...body, model: target.upstreamModel },
      removeInjectedUsageChunk: false,
    };
  },
  readResponse(body) {
    const response = (body ?? {}) as { usage?: unknown; model?: unknown };
    return {
      usage: convertAnthropicUsage(response.usage),
      reportedModel: typeof response.model === 'string' ? response.model : undefined,
    };
  },
  createStreamTap: createAnthropicStreamTap,
  errorBody: anthropicErrorBody,
  streamErrorEvent: anthropicStreamErrorEvent,
};
