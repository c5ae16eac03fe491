import type { Dialect } from '../dialect.js';
import { readResponseFacts } from '../read-response-facts.js';
import { convertOpenAiChatUsage } from './convert-usage.js';
import { openAiChatErrorBody, openAiChatStreamErrorEvent } from './error-body.js';
import { parseOpenAiChatRequest } from './parse-request.js';
import { prepareOpenAiChatBody } from './prepare-upstream-body.js';
import { createOpenAiChatStreamTap } from './stream-tap.js';

export const openAiChatDialect: Dialect = {
  name: 'openai-chat',
  parseRequest: parseOpenAiChatRequest,
  prepareUpstreamBody: prepareOpenAiChatBody,
  readResponse: (body) => readResponseFacts(body, convertOpenAiChatUsage),
  createStreamTap: createOpenAiChatStreamTap,
  errorBody: openAiChatErrorBody,
  streamErrorEvent: openAiChatStreamErrorEvent,
};
