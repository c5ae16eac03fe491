import { z } from 'zod';
import type { InboundRequest } from '../dialect.js';
import { checkMessageRoles, messageList, parseRequestBody } from '../parse-request-body.js';

const chatCompletionRequest = z.object({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: messageList,
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).passthrough().nullish(),
  user: z.string().nullish(),
});

export function parseOpenAiChatRequest(body: unknown): InboundRequest {
  const request = parseRequestBody(chatCompletionRequest, body);
  checkMessageRoles(request.messages);
  return { model: request.model, stream: request.stream === true, bodyRequester: request.user ?? undefined };
}
