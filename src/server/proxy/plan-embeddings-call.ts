import type { DialectName } from '../../domain/dialect-name.js';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { IrEmbeddingsRequest } from '../../ir/embeddings-types.js';
import type { RouteTarget } from '../../domain/route-target.js';
import { buildUpstreamCall } from './build-upstream-call.js';
import type { ParsedRequest } from './call-phases.js';
import type { ModelCall } from './model-call.js';
import { credentialFor } from './credential-for.js';
import { queryOf } from './query-of.js';
import type { UpstreamPlan } from './upstream-plan.js';

/**
 * The upstream request of an embeddings call for one target: the caller's own shape when the provider
 * makes embeddings in it (pass-through, least edits), else the first shape it makes them in, translated
 * through the core model (400 for what cannot be carried over, such as token ids towards Gemini).
 */
export function embeddingsPlanFor(call: ModelCall, parsed: ParsedRequest, target: RouteTarget, request: IrEmbeddingsRequest): UpstreamPlan {
  const { provider, upstreamModel } = target;
  const callerDialect = call.route.dialect;
  const callerCodec = callerDialect.embeddings!;
  const endpoints = provider.embeddingsEndpoints;
  const passThrough = endpoints[callerDialect.name] !== undefined;
  const upstreamDialectName = passThrough ? callerDialect.name : firstShape(endpoints);
  const endpoint = upstreamDialectName === undefined ? undefined : endpoints[upstreamDialectName];
  const upstreamDialect = upstreamDialectName === undefined ? undefined : dialects[upstreamDialectName];
  const upstreamCodec = upstreamDialect?.embeddings;
  if (!endpoint || !upstreamDialect || !upstreamCodec) {
    // Eligibility refuses such targets first; this guards a group target declared `embeddings: true`.
    throw new GatewayError('invalid_request', `The provider '${provider.name}' has no embeddings API.`, { param: 'model' });
  }
  const credential = credentialFor(parsed.caller, call.services, provider);
  const embeddingsTarget = { upstreamModel, endpoint };
  const encoded = passThrough ? callerCodec.prepareUpstreamBody(parsed.body, request, embeddingsTarget) : upstreamCodec.encodeRequest(request, embeddingsTarget);
  for (const warning of [...request.warnings, ...encoded.warnings]) if (!call.warnings.includes(warning)) call.warnings.push(warning);
  const path = encoded.batch && endpoint.batchPath !== undefined ? endpoint.batchPath : endpoint.path;
  return {
    target,
    parts: buildUpstreamCall({
      provider,
      dialect: upstreamDialect.name,
      endpoint: { path, auth: endpoint.auth },
      credential,
      clientHeaders: call.request.headers,
      // A query string belongs to the caller's API, never to another one.
      query: passThrough && call.route.forwardQuery ? queryOf(call.request.url) : '',
      body: encoded.body,
      rawBody: passThrough ? call.request.rawBody : undefined,
      bodyEdited: encoded.body !== parsed.body,
      translated: !passThrough,
      upstreamModel,
      stream: false,
    }),
    upstreamDialect,
    translation: undefined,
    removeInjectedUsageChunk: false,
    imageCount: 0,
    embeddings: { callerCodec, upstreamCodec, request, translated: !passThrough },
  };
}

/** The provider's preferred embeddings shape: the first its entry lists. */
function firstShape(endpoints: Partial<Record<DialectName, unknown>>): DialectName | undefined {
  for (const shape in endpoints) if (Object.hasOwn(endpoints, shape)) return shape as DialectName;
  return undefined;
}
