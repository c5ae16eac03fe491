import { z } from 'zod';
import type { InboundRequest } from '../dialect.js';
import { checkMessageRoles, isNonEmptyList, isNonEmptyString, isNullishOr, isPlainObject, messageList, parseRequestBody } from '../parse-request-body.js';

const chatCompletionRequest = z.object({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: messageList,
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).passthrough().nullish(),
  user: z.string().nullish(),
});

/** `chatCompletionRequest` checked by hand for the common body; zod sees the rest (see `parseRequestBody`). */
function isPlainChatRequest(body: Record<string, unknown>): boolean {
  const streamOptions = body.stream_options;
  return (
    isNonEmptyString(body.model) &&
    isNonEmptyList(body.messages) &&
    isNullishOr(body.stream, 'boolean') &&
    (streamOptions === undefined || streamOptions === null || (isPlainObject(streamOptions) && isNullishOr(streamOptions.include_usage, 'boolean'))) &&
    isNullishOr(body.user, 'string')
  );
}

export function parseOpenAiChatRequest(body: unknown): InboundRequest {
  const request = parseRequestBody(chatCompletionRequest, body, isPlainChatRequest);
  checkMessageRoles(request.messages);
  return { model: request.model, stream: request.stream === true, bodyRequester: request.user ?? undefined };
}
