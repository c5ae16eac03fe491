import type { DialectName } from '../../../domain/dialect-name.js';
import { dialects } from '../../../dialects/dialects.js';
import { GatewayError } from '../../../errors/gateway-error.js';
import { buildUpstreamCall } from '../build-upstream-call.js';
import type { RouteTarget } from '../../../domain/route-target.js';
import type { ModelCall } from '../model-call.js';
import type { UpstreamPlan } from '../upstream-plan.js';
import { credentialFor } from '../credential-for.js';
import { queryOf } from '../query-of.js';
import { embeddingsPlanFor } from '../plan-embeddings-call.js';

/**
 * Stage 5 — how to call the target: its credential (the caller's own in pass-through mode, else config,
 * environment or the encrypted store), and its API shape: the caller's own when the provider speaks it
 * (pass-through, least edits), else the first it speaks, translated through the core model. Runs before
 * admission because it can still refuse the request (503 no credential, 400 what cannot be translated),
 * and a refused request must not use up anyone's limits.
 */
export function planUpstreamCall(call: ModelCall): void {
  call.plan = upstreamPlanFor(call, call.target!);
}

/** The upstream request for one target; the attempt loop asks again for each fallback target. */
export function upstreamPlanFor(call: ModelCall, target: RouteTarget): UpstreamPlan {
  if (call.embeddingsRequest) return embeddingsPlanFor(call, target, call.embeddingsRequest);
  const { provider, upstreamModel } = target;
  const dialect = call.route.dialect;
  const inbound = call.inbound!;

  // The shapes the target may be called in, in the provider's order of preference.
  const apis = target.capabilities.apis;
  const upstreamDialectName: DialectName | undefined = apis.includes(dialect.name) && provider.endpoints[dialect.name] ? dialect.name : apis[0];
  if (!upstreamDialectName) {
    throw new GatewayError('unsupported_translation', `The provider '${provider.name}' has no API Sluice can call.`);
  }

  const credential = credentialFor(call, provider);

  if (upstreamDialectName === dialect.name) {
    const prepared = dialect.prepareUpstreamBody(call.body, inbound, target);
    return {
      parts: buildUpstreamCall({
        provider,
        dialect: dialect.name,
        credential,
        clientHeaders: call.request.headers,
        query: call.route.forwardQuery ? queryOf(call.request.url) : '',
        body: prepared.body,
        rawBody: call.request.rawBody,
        bodyEdited: prepared.body !== call.body,
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
  const core = call.coreRequest();
  const encoded = upstreamDialect.encodeRequest(core, target);
  for (const warning of [...core.warnings, ...encoded.warnings]) if (!call.warnings.includes(warning)) call.warnings.push(warning);
  return {
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
