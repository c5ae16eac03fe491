import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { dialects } from '../../dialects/dialects.js';
import { parseRequestBody } from '../../dialects/parse-request-body.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { admit, limitSubjects } from '../../policy/admission.js';
import { classifyUpstreamFailure } from '../../upstream/upstream-client.js';
import { estimateInputTokens } from '../../usage/estimate-input-tokens.js';
import type { GatewayServices } from '../gateway-services.js';
import type { ServicesHolder } from '../reload/services-holder.js';
import { hijackReply } from '../hijack-reply.js';
import { answerHeadersOf } from '../proxy/answer-headers.js';
import { buildUpstreamCall } from '../proxy/build-upstream-call.js';
import { abortWhenClientLeaves } from '../proxy/client-abort.js';
import { firstCandidate, ParsedRequest, type ResolvedCall } from '../proxy/call-phases.js';
import { createModelCall, type ModelCall } from '../proxy/model-call.js';
import { forwardableResponseHeaders } from '../proxy/response-headers.js';
import { answered, runStages, stageList, type Answered } from '../proxy/stage-list.js';
import { authenticateCaller } from '../proxy/stages/authenticate-caller.js';
import { authorizeCall } from '../proxy/stages/authorize-call.js';
import { withDefaultModel } from '../proxy/stages/parse-model-request.js';
import { resolveTarget } from '../proxy/stages/resolve-target.js';
import type { Caller } from '../../policy/authenticate.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';
import { concealError, concealText, namesHidden } from '../proxy/conceal-private-target.js';

const countTokensRequest = z.object({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: z.array(z.unknown()).min(1, 'must contain at least one message'),
});

const anthropic = dialects['anthropic-messages'];

/**
 * What counting walks: the model call's own authenticate, resolve and authorize stages, with a parse of
 * the count's body, an admission that reserves no budget, and the count instead of the attempt loop.
 */
export const countTokensStages = stageList()
  .then('authenticate', authenticateCaller)
  .then('parse and validate', parseCountRequest)
  .then('resolve target', resolveTarget)
  .then('authorize', authorizeCall)
  .then('admit', admitCount)
  .then('count', answerCount)
  .build();

/**
 * `POST /v1/messages/count_tokens` (also `/messages/count_tokens`): asked of Anthropic when the model lives there; for any other target,
 * answered with a local estimate and `x-sluice-token-estimate: true`. It goes through the same
 * authenticate, resolve and authorize stages as a model call, and counts against the caller's request
 * rate and concurrency limits; counting is free, so it reserves no budget and leaves no usage row.
 */
export function registerCountTokensRoute(app: FastifyInstance, holder: ServicesHolder): void {
  const config = { dialect: 'anthropic-messages' as const };
  // `/messages/count_tokens` beside `/v1/…`: for clients whose base URL already ends in /v1 (see proxy-routes.ts).
  for (const path of ['/v1/messages/count_tokens', '/messages/count_tokens']) {
    app.post(path, { config }, (request, reply) => countTokens(request, reply, holder.current, undefined));
    app.post<{ Params: { provider: string } }>(`/:provider${path}`, { config }, (request, reply) => countTokens(request, reply, holder.current, request.params.provider));
  }
}

async function countTokens(
  request: FastifyRequest,
  reply: FastifyReply,
  services: GatewayServices,
  pinnedProvider: string | undefined,
): Promise<void> {
  const response = hijackReply(reply);
  const route = { operation: 'chat' as const, dialect: anthropic, pinnedProvider, url: {}, forwardQuery: false };
  const call = createModelCall({ request, response, route, services, signal: abortWhenClientLeaves(response) });
  try {
    await runStages(countTokensStages, call, undefined);
  } catch (error) {
    if (call.signal.aborted) return;
    const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', 'Internal gateway error.');
    if (!(error instanceof GatewayError)) services.logger.error({ err: error, requestId: request.id }, 'count_tokens failed');
    // Counting is limited like a call: a refusal by admission counts in sluice_rate_limited_total (other reasons are ignored there).
    services.metrics.recordRateLimited(gatewayError.reason);
    writeGatewayError(response, anthropic, concealError(call.concealment, gatewayError), request.id, answerHeadersOf(call));
  } finally {
    await call.admission?.finish({ tokens: 0, costUsd: 0 }).catch(() => undefined);
  }
}

/** The count's body: a model (the key's or team's default when it names none) and at least one message. */
function parseCountRequest(call: ModelCall, caller: Caller): ParsedRequest {
  const body = withDefaultModel(call, caller);
  const { model } = parseRequestBody(countTokensRequest, body);
  call.requestedModel = model;
  return new ParsedRequest(caller, body, { model, stream: false, bodyRequester: undefined }, undefined, anthropic);
}

/** Counting is limited like a call (request rate, concurrency) but free: no token estimate, no budget. */
async function admitCount(call: ModelCall, resolved: ResolvedCall): Promise<ResolvedCall> {
  const { services } = call;
  call.admission = await admit({
    subjects: limitSubjects(resolved.parsed.caller.key, services.principals, services.limitDefaults, resolved.route.group?.limits),
    counters: services.limitCounters,
    now: services.clock,
    estimateTokens: () => 0,
    queue: services.slotQueue,
    signal: call.signal,
  });
  return resolved;
}

/** Anthropic counts for its own models; any other target gets a local estimate. */
async function answerCount(call: ModelCall, resolved: ResolvedCall): Promise<Answered> {
  const target = firstCandidate(resolved.route.candidates);
  const { provider, upstreamModel } = target;
  const { parsed } = resolved;
  const { response, services } = call;
  const headers = answerHeadersOf(call);
  const credential = parsed.caller.callerProviderKey ?? services.credentials.keyFor(provider);
  const endpoint = provider.endpoints['anthropic-messages'];
  if (endpoint && (credential !== undefined || !provider.requiresKey)) {
    const parts = buildUpstreamCall({
      provider,
      dialect: 'anthropic-messages',
      credential,
      clientHeaders: call.request.headers,
      query: '',
      body: { ...parsed.body, model: upstreamModel },
      rawBody: undefined,
      bodyEdited: true,
      upstreamModel,
      stream: false,
    });
    // A count is quick: it keeps a stream's first-byte and idle clocks (never a whole answer's ten minutes).
    const timeouts = target.timeouts.stream;
    let upstream;
    try {
      upstream = await services.upstream.send({ ...parts, url: parts.url.replace(/\/messages$/, '/messages/count_tokens'), signal: call.signal, timeouts });
    } catch (error) {
      if (call.signal.aborted) throw error;
      throw classifyUpstreamFailure(error, provider.name, 'request', timeouts);
    }
    const received = Buffer.from(await upstream.body.arrayBuffer());
    // A count names no model; an error from a private target may, and goes back without it.
    const concealment = target.private ? call.concealment : null;
    const bytes = concealment === null || !namesHidden(concealment, received.toString('utf8')) ? received : Buffer.from(concealText(concealment, received.toString('utf8')));
    response.writeHead(upstream.statusCode, { ...forwardableResponseHeaders(upstream.headers, target.private), 'content-length': bytes.length, ...headers });
    response.end(bytes);
    return answered;
  }
  const inputTokens = estimateInputTokens(parsed.coreRequest());
  response.writeHead(200, { 'content-type': 'application/json', 'x-sluice-token-estimate': 'true', ...headers });
  response.end(JSON.stringify({ input_tokens: inputTokens }));
  return answered;
}
