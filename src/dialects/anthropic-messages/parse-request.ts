import { z } from 'zod';
import type { InboundRequest } from '../dialect.js';
import { checkMessageRoles, messageList, parseRequestBody } from '../parse-request-body.js';

const messagesRequest = z.object({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: messageList,
  max_tokens: z.number().int('must be an integer').positive('must be a positive integer'),
  stream: z.boolean().nullish(),
  metadata: z.object({ user_id: z.string().nullish() }).passthrough().nullish(),
});

export function parseAnthropicMessagesRequest(body: unknown): InboundRequest {
  const request = parseRequestBody(messagesRequest, body);
  checkMessageRoles(request.messages);
  return {
    model: request.model,
    stream: request.stream === true,
    bodyRequester: request.metadata?.user_id ?? undefined,
  };
}
