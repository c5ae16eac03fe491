import type { ServerResponse } from 'node:http';
import { eventsOfResponse, responseOfEvents } from '../../cache/replay-answer.js';
import type { CachedAnswer, ChatAnswer } from '../../cache/response-cache.js';
import type { IrRequest } from '../../ir/ir-types.js';
import { publicModelOf } from './conceal-private-target.js';
import type { RequestContext } from './request-context.js';

/**
 * Answers from the cache in the caller's own shape, streamed or whole, whichever way the answer was
 * first produced: a whole answer can be replayed as a stream and a recorded stream served whole.
 */
export function serveCachedAnswer(options: {
  context: RequestContext;
  response: ServerResponse;
  hit: CachedAnswer;
  /** The hit's answer, a chat one. */
  answer: ChatAnswer;
  callerRequest: IrRequest;
  headers: Record<string, string>;
}): void {
  const { context, response, hit, answer, callerRequest } = options;
  context.cached = true;
  context.savedCostUsd = hit.costUsd;
  context.reportedModel = hit.reportedModel;
  context.statusCode = 200;
  context.firstByteAt = performance.now();
  const headers = { ...options.headers, 'x-sluice-cache': 'HIT' };
  // An entry of a route with a private target may have been served by it: it names what the caller asked for.
  const publicModel = context.concealment === null ? undefined : publicModelOf(context.concealment, context.requestedModel);
  if (context.stream) {
    const events = answer.kind === 'stream' ? answer.events : eventsOfResponse(answer.response);
    const encode = context.dialect.createStreamEncoder({ model: publicModel ?? context.target?.upstreamModel ?? '', includeUsage: callerRequest.streamUsage, request: callerRequest });
    response.writeHead(200, { ...headers, 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache' });
    response.end(events.map(encode).join(''));
    return;
  }
  const stored = answer.kind === 'whole' ? answer.response : responseOfEvents(answer.events);
  const whole = publicModel === undefined ? stored : { ...stored, model: publicModel };
  const body = Buffer.from(JSON.stringify(context.dialect.encodeResponse(whole, callerRequest)));
  response.writeHead(200, { ...headers, 'content-type': 'application/json', 'content-length': body.length });
  response.end(body);
}
