import type { ServerResponse } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Dialect, JsonObject, RequestUrlFacts } from '../../dialects/dialect.js';
import type { DialectName } from '../../dialects/dialect-name.js';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { IrRequest } from '../../ir/ir-types.js';
import { cacheKey, cacheModeOf, cacheTtlMs, partitionOf } from '../../cache/cache-request.js';
import type { CachedAnswer } from '../../cache/response-cache.js';
import { admit, limitSubjects } from '../../policy/admission.js';
import { isModelAllowed } from '../../policy/allow-list.js';
import { authenticate } from '../../policy/authenticate.js';
import { resolveModel } from '../../routing/resolve-model.js';
import { classifyUpstreamFailure } from '../../upstream/upstream-client.js';
import { estimateInputTokens } from '../../usage/estimate-input-tokens.js';
import type { GatewayServices } from '../gateway-services.js';
import { buildUpstreamCall, type UpstreamRequestParts } from './build-upstream-call.js';
import { abortWhenClientLeaves, type ClientAbort } from './client-abort.js';
import { relayUpstreamResponse, type Translation } from './relay-upstream-response.js';
import { requesterOf, tagsOf } from './request-attribution.js';
import { createRequestContext, estimateUncountedInput, toUsageRow, type RequestContext } from './request-context.js';
import { serveCachedAnswer } from './serve-cached-answer.js';
import { writeGatewayError } from './write-gateway-error.js';
import { hijackReply } from '../hijack-reply.js';

export interface ProxyRoute {
  dialect: Dialect;
  /** Set on provider-pinned routes such as `/anthropic/v1/messages`. */
  pinnedProvider: string | undefined;
  /** Model and streaming when the URL carries them (Gemini). */
  url: RequestUrlFacts;
  /** Whether the caller's query string belongs to the provider API (`?beta=true`) or to the route (`?alt=sse&key=…`). */
  forwardQuery: boolean;
}

/**
 * The request lifecycle of a model call, in order. Each stage may end the request with a GatewayError in
 * the caller's dialect; the usage row is written whatever happens.
 *
 *   1. authenticate       401 missing / invalid / revoked key
 *   2. parse body         400 naming the field (body JSON itself was parsed by the server: 400/413/415)
 *   3. resolve model      404 unknown model, alias or provider
 *   4. allow-list         403 model not allowed for the key
 *   5. choose dialect     pass-through when the provider speaks the caller's shape, else translate
 *   6. credential         503 provider has no key (and the caller brought none)
 *   7. upstream call      502 unreachable / reset, 504 timeout, 499 client went away
 *   8. relay              upstream status and body as they came; streams chunk by chunk
 *   9. usage row          queued for the batched writer
 */
export async function handleProxyRequest(
  request: FastifyRequest,
  reply: FastifyReply,
  route: ProxyRoute,
  services: GatewayServices,
): Promise<void> {
  const response = hijackReply(reply);
  const context = createRequestContext(request.id, route.dialect, performance.now());
  const abort = abortWhenClientLeaves(response);

  try {
    await proxy(request, response, route, services, context, abort);
  } catch (error) {
    const gatewayError =
      error instanceof GatewayError ? error : classifyUnexpected(error, services, context, abort);
    if (abort.aborted) {
      context.statusCode = 499;
      context.outcome = 'cancelled';
      context.errorCode = 'client_closed_request';
    } else {
      context.statusCode = gatewayError.status;
      context.outcome = 'error';
      context.errorCode = gatewayError.reason ?? gatewayError.code;
      if (!response.headersSent) writeGatewayError(response, route.dialect, gatewayError, context.id, sluiceHeaders(context));
      else response.end();
    }
  } finally {
    estimateUncountedInput(context);
    if (context.admission) {
      await context.admission.finish({
        tokens: context.usage.inputTokens + context.usage.outputTokens,
        costUsd: context.admission.holdsBudget ? costOf(context, services) : 0,
      });
    }
    services.usageWriter.enqueue(toUsageRow(context, performance.now()));
  }
}

async function proxy(
  request: FastifyRequest,
  response: ServerResponse,
  route: ProxyRoute,
  services: GatewayServices,
  context: RequestContext,
  signal: ClientAbort,
): Promise<void> {
  const { dialect } = route;
  context.tags = tagsOf(request.headers);
  context.requester = requesterOf(request.headers, undefined);

  const caller = await authenticate(request.headers, services.keyView);
  context.caller = caller;

  const inbound = dialect.parseRequest(request.body, route.url);
  context.requestedModel = inbound.model;
  context.stream = inbound.stream;
  context.requester = requesterOf(request.headers, inbound.bodyRequester);

  const pinnedProvider = route.pinnedProvider === undefined ? undefined : services.registry.get(route.pinnedProvider);
  if (route.pinnedProvider !== undefined && !pinnedProvider) {
    throw new GatewayError('route_not_found', `No provider named '${route.pinnedProvider}' is configured.`);
  }
  const target = resolveModel(inbound.model, { registry: services.registry, aliases: services.aliases, pinnedProvider });
  context.provider = target.provider;
  context.upstreamModel = target.upstreamModel;

  const allowed = isModelAllowed(caller.key.allowedModels, {
    requested: inbound.model,
    provider: target.provider.name,
    upstreamModel: target.upstreamModel,
  });
  if (!allowed) {
    throw new GatewayError('model_not_allowed', `This key may not use the model '${inbound.model}'.`, { param: 'model' });
  }

  // The provider's own shape when it speaks the caller's (pass-through), else the first it speaks.
  const upstreamDialectName = target.provider.endpoints[dialect.name]
    ? dialect.name
    : (Object.keys(target.provider.endpoints)[0] as DialectName | undefined);
  if (!upstreamDialectName) {
    throw new GatewayError('unsupported_translation', `The provider '${target.provider.name}' has no API Sluice can call.`);
  }

  const team = services.principals.find('team', caller.key.teamName);
  if (team && !isModelAllowed(team.allowedModels, { requested: inbound.model, provider: target.provider.name, upstreamModel: target.upstreamModel })) {
    throw new GatewayError('model_not_allowed', `The team '${team.name}' may not use the model '${inbound.model}'.`, { param: 'model' });
  }

  const credential = caller.callerProviderKey ?? services.credentials.keyFor(target.provider);
  if (credential === undefined && target.provider.requiresKey) {
    const environmentHint = target.provider.envKeyName ? `set ${target.provider.envKeyName}, ` : '';
    throw new GatewayError(
      'provider_not_configured',
      `The provider '${target.provider.name}' has no API key: ${environmentHint}run \`sluice providers set-key ${target.provider.name}\`, ` +
        `or send your own key with x-sluice-token.`,
    );
  }

  const body = request.body as JsonObject;
  context.estimateInputTokens = () => {
    try {
      return estimateInputTokens(dialect.decodeRequest(body));
    } catch {
      return 0;
    }
  };
  context.admission = await admit({
    subjects: limitSubjects(caller.key, services.principals, services.limitDefaults),
    counters: services.limitCounters,
    estimateTokens: () => context.estimateInputTokens() + maximumOutputTokens(dialect, dialects[upstreamDialectName], body),
    ledger: services.budgetLedger,
    maximumCostUsd: () =>
      services.costBound.maximumCostUsd({
        provider: target.provider.name,
        pricingProviderId: target.provider.pricingProviderId,
        model: target.upstreamModel,
        inputTokens: context.estimateInputTokens(),
        maxOutputTokens: maximumOutputTokens(dialect, dialects[upstreamDialectName], body) || defaultReservedOutputTokens,
      }),
  });
  if (!target.provider.acceptsImages && hasImages(dialect.decodeRequest(body))) {
    throw new GatewayError('invalid_request', `The model '${inbound.model}' takes text only; remove the images from the request.`, {
      param: 'messages',
    });
  }
  const cacheMode = cacheModeOf(request.headers);
  if (cacheMode) {
    context.cache = {
      mode: cacheMode,
      ttlMs: cacheTtlMs(request.headers),
      key: cacheKey({
        partition: partitionOf(services.cachePartition, caller.key),
        dialect: dialect.name,
        provider: target.provider.name,
        upstreamModel: target.upstreamModel,
        body,
      }),
    };
    const hit = cacheMode === 'use' ? await services.responseCache.get(context.cache.key) : undefined;
    if (hit) {
      serveCachedAnswer({ context, response, hit, callerRequest: dialect.decodeRequest(body), headers: sluiceHeaders(context) });
      return;
    }
  }

  let call: UpstreamRequestParts;
  let translation: Translation | undefined;
  let removeInjectedUsageChunk = false;
  if (upstreamDialectName === dialect.name) {
    const prepared = dialect.prepareUpstreamBody(body, inbound, target);
    removeInjectedUsageChunk = prepared.removeInjectedUsageChunk;
    call = buildUpstreamCall({
      provider: target.provider,
      dialect: dialect.name,
      credential,
      clientHeaders: request.headers,
      query: route.forwardQuery ? queryOf(request.url) : '',
      body: prepared.body,
      rawBody: request.rawBody,
      bodyEdited: prepared.body !== body,
      upstreamModel: target.upstreamModel,
      stream: inbound.stream,
    });
  } else {
    const upstreamDialect = dialects[upstreamDialectName];
    const core = dialect.decodeRequest(body);
    // Shapes that put them in the URL (Gemini) leave these to the route.
    core.model = inbound.model;
    core.stream = inbound.stream;
    const encoded = upstreamDialect.encodeRequest(core, target);
    context.warnings.push(...core.warnings, ...encoded.warnings);
    translation = { upstreamDialect, callerRequest: core };
    call = buildUpstreamCall({
      provider: target.provider,
      dialect: upstreamDialectName,
      credential,
      clientHeaders: request.headers,
      // A query string belongs to the caller's API (`?beta=true`), not to the one being called.
      query: '',
      body: encoded.body,
      rawBody: undefined,
      bodyEdited: true,
      translated: true,
      upstreamModel: target.upstreamModel,
      stream: inbound.stream,
    });
  }

  let upstream;
  context.sentUpstream = true;
  try {
    upstream = await services.upstream.send({ ...call, signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw classifyUpstreamFailure(error, target.provider.name, 'request');
  }
  await relayUpstreamResponse({
    context,
    upstream,
    response,
    sluiceHeaders: sluiceHeaders(context),
    signal,
    removeInjectedUsageChunk,
    translation,
    storeInCache: context.cache ? (answer) => storeAnswer(context, services, answer) : undefined,
  });
}

/**
 * Output reserved against a budget when the caller sets no max_tokens (OpenAI's own default is the model's
 * limit, which would make the reservation absurd); a longer answer settles to its real cost afterwards.
 */
const defaultReservedOutputTokens = 4096;

/** Keeps a successful answer for later hits, with what it cost (recorded as saved on every hit). */
function storeAnswer(context: RequestContext, services: GatewayServices, answer: CachedAnswer['answer']): void {
  if (!context.cache) return;
  const entry: CachedAnswer = { answer, reportedModel: context.reportedModel, costUsd: costOf(context, services), storedAt: Date.now() };
  void services.responseCache.set(context.cache.key, entry, context.cache.ttlMs).catch((error: unknown) => {
    services.logger.warn({ err: error }, 'storing a cached answer failed');
  });
}

/** The real cost of a finished call, for settling its budget reservation. */
function costOf(context: RequestContext, services: GatewayServices): number {
  if (!context.provider || !context.upstreamModel) return 0;
  return (
    services.pricer.price({
      provider: context.provider.name,
      pricingProviderId: context.provider.pricingProviderId,
      model: context.reportedModel ?? context.upstreamModel,
      usage: context.usage,
    }) ?? 0
  );
}

/**
 * The most output a request can produce, for a token-limit estimate and budget reservation before the call:
 * what goes upstream, which a translation may set where the caller did not (Claude needs max_tokens, and
 * room for thinking).
 */
function maximumOutputTokens(dialect: Dialect, upstreamDialect: Dialect, body: JsonObject): number {
  try {
    return upstreamDialect.sentMaxOutputTokens(dialect.decodeRequest(body)) ?? 0;
  } catch {
    return 0;
  }
}

function hasImages(request: IrRequest): boolean {
  return request.messages.some((message) =>
    message.parts.some((part) => part.type === 'image' || (part.type === 'tool-result' && part.content.some((item) => item.type === 'image'))),
  );
}

function sluiceHeaders(context: RequestContext): Record<string, string> {
  // Built in place (no spreads): this runs on every request.
  const headers: Record<string, string> = context.admission ? Object.assign({}, context.admission.headers) : {};
  headers['x-sluice-request-id'] = context.id;
  if (context.provider) headers['x-sluice-provider'] = context.provider.name;
  if (context.upstreamModel) headers['x-sluice-model'] = context.upstreamModel;
  if (context.warnings.length > 0) headers['x-sluice-warning'] = context.warnings.join('; ');
  if (context.cache && !context.cached) headers['x-sluice-cache'] = 'MISS';
  return headers;
}

function queryOf(url: string): string {
  const index = url.indexOf('?');
  return index === -1 ? '' : url.slice(index);
}

/** A failure no stage anticipated: logged with its stack, answered as a plain 500. */
function classifyUnexpected(
  error: unknown,
  services: GatewayServices,
  context: RequestContext,
  signal: ClientAbort,
): GatewayError {
  if (!signal.aborted) services.logger.error({ err: error, requestId: context.id }, 'unexpected error in proxy');
  return new GatewayError('internal_error', 'Internal gateway error.', { cause: error });
}
