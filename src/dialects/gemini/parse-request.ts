import { z } from 'zod';
import { GatewayError } from '../../errors/gateway-error.js';
import type { InboundRequest } from '../dialect.js';
import type { RequestUrlFacts } from '../wire-facts.js';
import { parseRequestBody } from '../parse-request-body.js';

const generateContentRequest = z.object({
  contents: z.array(z.unknown()).min(1, 'must contain at least one content'),
});

/** Gemini names the model and streaming in the URL (`models/{model}:streamGenerateContent`), not the body. */
export function parseGeminiRequest(body: unknown, url: RequestUrlFacts): InboundRequest {
  parseRequestBody(generateContentRequest, body);
  if (!url.model) throw new GatewayError('invalid_request', 'The URL must name a model: /v1beta/models/{model}:generateContent.', { param: 'model' });
  return { model: url.model, stream: url.stream === true, bodyRequester: undefined };
}
