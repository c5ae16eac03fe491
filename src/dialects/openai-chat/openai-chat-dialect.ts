import type { Dialect } from '../dialect.js';
import { convertOpenAiChatUsage } from './convert-usage.js';
import { openAiChatErrorBody, openAiChatStreamErrorEvent } from './error-body.js';
import { parseOpenAiChatRequest } from './parse-request.js';
import { prepareOpenAiChatBody } from './prepare-upstream-body.js';
import { createOpenAiChatStreamTap } from './stream-tap.js';

export const openAiChatDialect: Dialect = {
  name: 'openai-chat',
  parseRequest: parseOpenAiChatRequest,
  prepareUpstreamBody: prepareOpenAiChatBody,
  readResponse(body) {
    const response = (body ?? {}) as { usage?: unknown; model?: unknown };
    return {
      usage: convertOpenAiChatUsage(response.usage),
      reportedModel: typeof response.model === 'string' ? response.model : undefined,
    };
  },
  createStreamTap: createOpenAiChatStreamTap,
  errorBody: openAiChatErrorBody,
  streamErrorEvent: openAiChatStreamErrorEvent,
};
