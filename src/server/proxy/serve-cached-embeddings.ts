import type { ServerResponse } from 'node:http';
import type { CachedAnswer, EmbeddingsAnswer } from '../../cache/response-cache.js';
import type { EmbeddingsCodec } from '../../dialects/embeddings-codec.js';
import type { IrEmbeddingsRequest } from '../../ir/embeddings-types.js';
import { publicModelOf } from './conceal-private-target.js';
import type { RequestContext } from './request-context.js';

/** Answers an embeddings call from the cache in the caller's shape and encoding, whichever provider first answered. */
export function serveCachedEmbeddings(options: {
  context: RequestContext;
  response: ServerResponse;
  hit: CachedAnswer;
  answer: EmbeddingsAnswer;
  codec: EmbeddingsCodec;
  callerRequest: IrEmbeddingsRequest;
  headers: Record<string, string>;
}): void {
  const { context, response, hit } = options;
  context.cached = true;
  context.savedCostUsd = hit.costUsd;
  context.reportedModel = hit.reportedModel;
  context.statusCode = 200;
  context.firstByteAt = performance.now();
  const stored = options.answer.response;
  // An entry of a route with a private target may have been served by it: it names what the caller asked for.
  const answer = context.concealment === null ? stored : { ...stored, model: publicModelOf(context.concealment, context.requestedModel) };
  const body = Buffer.from(JSON.stringify(options.codec.encodeResponse(answer, options.callerRequest)));
  response.writeHead(200, { ...options.headers, 'x-sluice-cache': 'HIT', 'content-type': 'application/json', 'content-length': body.length });
  response.end(body);
}
