import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { Dialect, InboundRequest } from '../../dialects/dialect.js';
import type { JsonObject, RequestUrlFacts } from '../../dialects/wire-facts.js';
import type { Operation } from '../../domain/operation.js';
import type { IrEmbeddingsRequest } from '../../ir/embeddings-types.js';
import type { IrRequest } from '../../ir/ir-types.js';
import type { RoutePlan } from '../../routing/router.js';
import type { ResolvedRoute } from '../../routing/route-target.js';
import type { RouteTarget } from '../../domain/route-target.js';
import type { CallTrace } from '../../telemetry/tracing.js';
import type { TimeoutSettings } from '../../domain/timeouts.js';
import type { GatewayServices } from '../gateway-services.js';
import type { ClientAbort } from './client-abort.js';
import type { UpstreamPlan } from './upstream-plan.js';
import { createRequestContext, type RequestContext } from './request-context.js';

export interface ProxyRoute {
  /** Chat generation, or embeddings (`/v1/embeddings`, Gemini's `:embedContent`): which codecs of the dialect apply. */
  operation: Operation;
  dialect: Dialect;
  /** Set on provider-pinned routes such as `/anthropic/v1/messages`. */
  pinnedProvider: string | undefined;
  /** Model and streaming when the URL carries them (Gemini). */
  url: RequestUrlFacts;
  /** Whether the caller's query string belongs to the provider API (`?beta=true`) or to the route (`?alt=sse&key=…`). */
  forwardQuery: boolean;
}

/**
 * One model call on its way through the stages: what arrived (request, route), what the stages found out
 * (caller, parsed fields, target, plan) and what the usage row is made of (the RequestContext it extends).
 */
export interface ModelCall extends RequestContext {
  readonly request: FastifyRequest;
  readonly response: ServerResponse;
  readonly route: ProxyRoute;
  readonly services: GatewayServices;
  /** Raised when the caller goes away; aborts the upstream call. */
  readonly signal: ClientAbort;
  /** The caller's body; a copy with the key's or team's default model when it named none (see parse-model-request.ts). */
  body: JsonObject;
  /** The fields Sluice reads, once the body was parsed. */
  inbound: InboundRequest | undefined;
  /** What the model name resolved to: a group's targets or one plain model. */
  resolvedRoute: ResolvedRoute | undefined;
  /** The ordered candidates the attempt loop may try, once routing has planned them. */
  routePlan: RoutePlan | undefined;
  /** The target being tried (the first candidate until the attempt loop moves on). */
  target: RouteTarget | undefined;
  /** The upstream request for that target, once planned. */
  plan: UpstreamPlan | undefined;
  /** The key's, user's and team's ceiling on the upstream clocks, once admitted; undefined when none sets one. */
  timeoutCeiling: TimeoutSettings | undefined;
  /**
   * The request in the core model, decoded on first use and shared by every stage that needs it (token
   * estimate, maximum output, image check, cache replay, translation). Throws what the decoder throws (a
   * 400 naming what cannot be carried over), every time it is asked.
   */
  coreRequest(): IrRequest;
  /**
   * An embeddings call's request in the core model, decoded when the body is parsed (every later stage
   * needs its inputs); undefined on a chat call, which is how stages tell the two operations apart.
   */
  embeddingsRequest: IrEmbeddingsRequest | undefined;
  /** The call's trace when telemetry is on (its SERVER span, parent of each attempt's); set by the proxy handler. */
  trace: CallTrace | undefined;
}

export function createModelCall(options: {
  request: FastifyRequest;
  response: ServerResponse;
  route: ProxyRoute;
  services: GatewayServices;
  signal: ClientAbort;
}): ModelCall {
  const { request, route } = options;
  let decoded: { request: IrRequest } | { error: unknown } | undefined;
  // Fields assigned in one fixed order, so every call object shares one hidden class.
  const call = createRequestContext(request.id, route.dialect, performance.now(), route.operation) as ModelCall;
  const writable = call as { -readonly [Field in keyof ModelCall]: ModelCall[Field] };
  writable.request = request;
  writable.response = options.response;
  writable.route = route;
  writable.services = options.services;
  writable.signal = options.signal;
  writable.body = request.body as JsonObject;
  writable.inbound = undefined;
  writable.resolvedRoute = undefined;
  writable.routePlan = undefined;
  writable.target = undefined;
  writable.plan = undefined;
  writable.timeoutCeiling = undefined;
  writable.coreRequest = () => {
    if (decoded === undefined) {
      try {
        const core = route.dialect.decodeRequest(call.body);
        // Shapes that put them in the URL (Gemini) leave these to the route.
        if (call.inbound) {
          core.model = call.inbound.model;
          core.stream = call.inbound.stream;
        }
        decoded = { request: core };
      } catch (error) {
        decoded = { error };
      }
    }
    if ('error' in decoded) throw decoded.error;
    return decoded.request;
  };
  writable.embeddingsRequest = undefined;
  writable.trace = undefined;
  return call;
}
