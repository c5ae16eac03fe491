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
import { createModelCall, type ModelCall } from '../proxy/model-call.js';
import { forwardableResponseHeaders } from '../proxy/response-headers.js';
import { authenticateCaller } from '../proxy/stages/authenticate-caller.js';
import { authorizeCall } from '../proxy/stages/authorize-call.js';
import { applyDefaultModel, namesNoModel } from '../proxy/stages/parse-model-request.js';
import { resolveTarget } from '../proxy/stages/resolve-target.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';
import { concealError, concealText, namesHidden } from '../proxy/conceal-private-target.js';

const countTokensRequest = z.object({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: z.array(z.unknown()).min(1, 'must contain at least one message'),
});

const anthropic = dialects['anthropic-messages'];

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
    await authenticateCaller(call);
    if (namesNoModel(call.body)) applyDefaultModel(call);
    const { model } = parseRequestBody(countTokensRequest, call.body);
    call.inbound = { model, stream: false, bodyRequester: undefined };
    call.requestedModel = model;
    resolveTarget(call);
    authorizeCall(call);
    call.admission = await admit({
      subjects: limitSubjects(call.caller!.key, services.principals, services.limitDefaults, call.resolvedRoute!.group?.limits),
      counters: services.limitCounters,
      now: services.clock,
      estimateTokens: () => 0,
      queue: services.slotQueue,
      signal: call.signal,
    });
    await answerCount(call);
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

/** Anthropic counts for its own models; any other target gets a local estimate. */
async function answerCount(call: ModelCall): Promise<void> {
  const { provider, upstreamModel } = call.target!;
  const { response, services } = call;
  const headers = answerHeadersOf(call);
  const credential = call.caller!.callerProviderKey ?? services.credentials.keyFor(provider);
  const endpoint = provider.endpoints['anthropic-messages'];
  if (endpoint && (credential !== undefined || !provider.requiresKey)) {
    const parts = buildUpstreamCall({
      provider,
      dialect: 'anthropic-messages',
      credential,
      clientHeaders: call.request.headers,
      query: '',
      body: { ...call.body, model: upstreamModel },
      rawBody: undefined,
      bodyEdited: true,
      upstreamModel,
      stream: false,
    });
    // A count is quick: it keeps a stream's first-byte and idle clocks (never a whole answer's ten minutes).
    const timeouts = call.target!.timeouts.stream;
    let upstream;
    try {
      upstream = await services.upstream.send({ ...parts, url: parts.url.replace(/\/messages$/, '/messages/count_tokens'), signal: call.signal, timeouts });
    } catch (error) {
      if (call.signal.aborted) throw error;
      throw classifyUpstreamFailure(error, provider.name, 'request', timeouts);
    }
    const received = Buffer.from(await upstream.body.arrayBuffer());
    // A count names no model; an error from a private target may, and goes back without it.
    const concealment = call.targetPrivate ? call.concealment : null;
    const bytes = concealment === null || !namesHidden(concealment, received.toString('utf8')) ? received : Buffer.from(concealText(concealment, received.toString('utf8')));
    response.writeHead(upstream.statusCode, { ...forwardableResponseHeaders(upstream.headers, call.targetPrivate), 'content-length': bytes.length, ...headers });
    response.end(bytes);
    return;
  }
  const inputTokens = estimateInputTokens(call.coreRequest());
  response.writeHead(200, { 'content-type': 'application/json', 'x-sluice-token-estimate': 'true', ...headers });
  response.end(JSON.stringify({ input_tokens: inputTokens }));
}
