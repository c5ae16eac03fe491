import type { DialectName } from '../../domain/dialect-name.js';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { RouteTarget } from '../../domain/route-target.js';
import { buildUpstreamCall } from './build-upstream-call.js';
import type { ParsedRequest } from './call-phases.js';
import { credentialFor } from './credential-for.js';
import type { ModelCall } from './model-call.js';
import { embeddingsPlanFor } from './plan-embeddings-call.js';
import { queryOf } from './query-of.js';
import type { UpstreamPlan } from './upstream-plan.js';

/**
 * The upstream request for one target: its credential (the caller's own in pass-through mode, else config,
 * environment or the encrypted store), and its API shape: the caller's own when the provider speaks it
 * (pass-through, least edits), else the first it speaks, translated through the core model. Asked by the
 * plan stage for the first candidate and by the attempt loop for each fallback target. Adds what a
 * translation could not carry over to the call's warnings.
 */
export function upstreamPlanFor(call: ModelCall, parsed: ParsedRequest, target: RouteTarget): UpstreamPlan {
  if (parsed.embeddings) return embeddingsPlanFor(call, parsed, target, parsed.embeddings);
  const { provider, upstreamModel } = target;
  const dialect = call.route.dialect;
  const { inbound, body } = parsed;

  // The shapes the target may be called in, in the provider's order of preference.
  const apis = target.capabilities.apis;
  const upstreamDialectName: DialectName | undefined = apis.includes(dialect.name) && provider.endpoints[dialect.name] ? dialect.name : apis[0];
  if (!upstreamDialectName) {
    throw new GatewayError('unsupported_translation', `The provider '${provider.name}' has no API Sluice can call.`);
  }

  const credential = credentialFor(parsed.caller, call.services, provider);

  if (upstreamDialectName === dialect.name) {
    const prepared = dialect.prepareUpstreamBody(body, inbound, target);
    return {
      target,
      parts: buildUpstreamCall({
        provider,
        dialect: dialect.name,
        credential,
        clientHeaders: call.request.headers,
        query: call.route.forwardQuery ? queryOf(call.request.url) : '',
        body: prepared.body,
        rawBody: call.request.rawBody,
        bodyEdited: prepared.body !== body,
        upstreamModel,
        stream: inbound.stream,
      }),
      upstreamDialect: dialect,
      translation: undefined,
      removeInjectedUsageChunk: prepared.removeInjectedUsageChunk,
      imageCount: dialect.countImages(prepared.body),
      embeddings: undefined,
    };
  }

  const upstreamDialect = dialects[upstreamDialectName];
  const core = parsed.coreRequest();
  const encoded = upstreamDialect.encodeRequest(core, target);
  for (const warning of [...core.warnings, ...encoded.warnings]) if (!call.warnings.includes(warning)) call.warnings.push(warning);
  return {
    target,
    parts: buildUpstreamCall({
      provider,
      dialect: upstreamDialectName,
      credential,
      clientHeaders: call.request.headers,
      // A query string belongs to the caller's API (`?beta=true`), not to the one being called.
      query: '',
      body: encoded.body,
      rawBody: undefined,
      bodyEdited: true,
      translated: true,
      upstreamModel,
      stream: inbound.stream,
    }),
    upstreamDialect,
    translation: { upstreamDialect, callerRequest: core },
    removeInjectedUsageChunk: false,
    imageCount: upstreamDialect.countImages(encoded.body),
    embeddings: undefined,
  };
}
