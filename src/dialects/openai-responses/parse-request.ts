import { z } from 'zod';
import type { InboundRequest } from '../dialect.js';
import { parseRequestBody } from '../parse-request-body.js';

const responsesRequest = z.object({
  model: z.string().min(1, 'must be a non-empty string'),
  input: z.union([z.string(), z.array(z.unknown())]),
  stream: z.boolean().nullish(),
  user: z.string().nullish(),
  safety_identifier: z.string().nullish(),
});

export function parseResponsesRequest(body: unknown): InboundRequest {
  const request = parseRequestBody(responsesRequest, body);
  return {
    model: request.model,
    stream: request.stream === true,
    bodyRequester: request.safety_identifier ?? request.user ?? undefined,
  };
}
