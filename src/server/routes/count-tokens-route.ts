import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { JsonObject } from '../../dialects/dialect.js';
import { dialects } from '../../dialects/dialects.js';
import { parseRequestBody } from '../../dialects/parse-request-body.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { isModelAllowed } from '../../policy/allow-list.js';
import { authenticate } from '../../policy/authenticate.js';
import { resolveModel } from '../../routing/resolve-model.js';
import { classifyUpstreamFailure } from '../../upstream/upstream-client.js';
import { estimateInputTokens } from '../../usage/estimate-input-tokens.js';
import type { GatewayServices } from '../gateway-services.js';
import { buildUpstreamCall } from '../proxy/build-upstream-call.js';
import { forwardableResponseHeaders } from '../proxy/response-headers.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';
import { hijackReply } from '../hijack-reply.js';

const countTokensRequest = z.object({
  model: z.string().min(1, 'must be a non-empty string'),
  messages: z.array(z.unknown()).min(1, 'must contain at least one message'),
});

const anthropic = dialects['anthropic-messages'];

/**
 * `POST /v1/messages/count_tokens` (also `/messages/count_tokens`): asked of Anthropic when the model lives there; for any other target,
 * answered with a local estimate and `x-sluice-token-estimate: true`. Counting is free, so no usage row.
 */
export function registerCountTokensRoute(app: FastifyInstance, services: GatewayServices): void {
  const config = { dialect: 'anthropic-messages' as const };
  // `/messages/count_tokens` beside `/v1/…`: for clients whose base URL already ends in /v1 (see proxy-routes.ts).
  for (const path of ['/v1/messages/count_tokens', '/messages/count_tokens']) {
    app.post(path, { config }, (request, reply) => countTokens(request, reply, services, undefined));
    app.post<{ Params: { provider: string } }>(`/:provider${path}`, { config }, (request, reply) => countTokens(request, reply, services, request.params.provider));
  }
}

async function countTokens(
  request: FastifyRequest,
  reply: FastifyReply,
  services: GatewayServices,
  pinnedProviderName: string | undefined,
): Promise<void> {
  const response = hijackReply(reply);
  const controller = new AbortController();
  response.once('close', () => {
    if (!response.writableFinished) controller.abort();
  });
  try {
    const caller = await authenticate(request.headers, services.keyView);
    const body = request.body as JsonObject;
    const { model } = parseRequestBody(countTokensRequest, body);
    const pinnedProvider = pinnedProviderName === undefined ? undefined : services.registry.get(pinnedProviderName);
    if (pinnedProviderName !== undefined && !pinnedProvider) {
      throw new GatewayError('route_not_found', `No provider named '${pinnedProviderName}' is configured.`);
    }
    const target = resolveModel(model, { registry: services.registry, aliases: services.aliases, pinnedProvider });
    if (!isModelAllowed(caller.key.allowedModels, { requested: model, provider: target.provider.name, upstreamModel: target.upstreamModel })) {
      throw new GatewayError('model_not_allowed', `This key may not use the model '${model}'.`, { param: 'model' });
    }
    const sluiceHeaders = { 'x-sluice-request-id': request.id, 'x-sluice-provider': target.provider.name, 'x-sluice-model': target.upstreamModel };
    const credential = caller.callerProviderKey ?? services.credentials.keyFor(target.provider);
    const endpoint = target.provider.endpoints['anthropic-messages'];
    if (endpoint && (credential !== undefined || !target.provider.requiresKey)) {
      const call = buildUpstreamCall({
        provider: target.provider,
        dialect: 'anthropic-messages',
        credential,
        clientHeaders: request.headers,
        query: '',
        body: { ...body, model: target.upstreamModel },
        rawBody: undefined,
        bodyEdited: true,
        upstreamModel: target.upstreamModel,
        stream: false,
      });
      let upstream;
      try {
        upstream = await services.upstream.send({ ...call, url: call.url.replace(/\/messages$/, '/messages/count_tokens'), signal: controller.signal });
      } catch (error) {
        if (controller.signal.aborted) return;
        throw classifyUpstreamFailure(error, target.provider.name, 'request');
      }
      const bytes = Buffer.from(await upstream.body.arrayBuffer());
      response.writeHead(upstream.statusCode, { ...forwardableResponseHeaders(upstream.headers), 'content-length': bytes.length, ...sluiceHeaders });
      response.end(bytes);
      return;
    }
    const inputTokens = estimateInputTokens(anthropic.decodeRequest(body));
    const text = JSON.stringify({ input_tokens: inputTokens });
    response.writeHead(200, { 'content-type': 'application/json', 'x-sluice-token-estimate': 'true', ...sluiceHeaders });
    response.end(text);
  } catch (error) {
    if (controller.signal.aborted) return;
    const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', 'Internal gateway error.');
    if (!(error instanceof GatewayError)) services.logger.error({ err: error, requestId: request.id }, 'count_tokens failed');
    writeGatewayError(response, anthropic, gatewayError, request.id);
  }
}
