import { z } from 'zod';
import type { InboundRequest } from '../dialect.js';
import { parseRequestBody } from '../parse-request-body.js';

const chatCompletionRequest = z.object({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: z.array(z.object({ role: z.string() }).passthrough()).min(1, 'must contain at least one message'),
  stream: z.boolean().nullish(),
  stream_options: z.object({ include_usage: z.boolean().nullish() }).passthrough().nullish(),
  user: z.string().nullish(),
});

export function parseOpenAiChatRequest(body: unknown): InboundRequest {
  const request = parseRequestBody(chatCompletionRequest, body);
  return { model: request.model, stream: request.stream === true, bodyRequester: request.user ?? undefined };
}
