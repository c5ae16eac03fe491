import { z } from 'zod';
import type { InboundRequest } from '../dialect.js';
import { checkMessageRoles, isNonEmptyList, isNonEmptyString, isNullishOr, isPlainObject, messageList, parseRequestBody } from '../parse-request-body.js';

const messagesRequest = z.object({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: messageList,
  max_tokens: z.number().int('must be an integer').positive('must be a positive integer'),
  stream: z.boolean().nullish(),
  metadata: z.object({ user_id: z.string().nullish() }).passthrough().nullish(),
});

/** `messagesRequest` checked by hand for the common body; zod sees the rest (see `parseRequestBody`). */
function isPlainMessagesRequest(body: Record<string, unknown>): boolean {
  const { max_tokens: maxTokens, metadata } = body;
  return (
    isNonEmptyString(body.model) &&
    isNonEmptyList(body.messages) &&
    typeof maxTokens === 'number' && Number.isInteger(maxTokens) && maxTokens > 0 &&
    isNullishOr(body.stream, 'boolean') &&
    (metadata === undefined || metadata === null || (isPlainObject(metadata) && isNullishOr(metadata.user_id, 'string')))
  );
}

export function parseAnthropicMessagesRequest(body: unknown): InboundRequest {
  const request = parseRequestBody(messagesRequest, body, isPlainMessagesRequest);
  checkMessageRoles(request.messages);
  return {
    model: request.model,
    stream: request.stream === true,
    bodyRequester: request.metadata?.user_id ?? undefined,
  };
}
