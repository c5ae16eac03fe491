import type { ServerResponse } from 'node:http';
import type { FastifyRequest } from 'fastify';
import type { CaptureRecorder } from '../../capture/capture-recorder.js';
import type { Dialect } from '../../dialects/dialect.js';
import type { RequestUrlFacts } from '../../dialects/wire-facts.js';
import type { Operation } from '../../domain/operation.js';
import type { RoutePlan } from '../../routing/router.js';
import type { CallTrace } from '../../telemetry/tracing.js';
import type { GatewayServices } from '../gateway-services.js';
import type { ClientAbort } from './client-abort.js';
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
 * One model call on its way through the stages: what arrived (request, route), what serves it (services,
 * the client-abort signal), and what its usage row is made of (the RequestContext it extends). What the
 * stages find out on the way is not kept here: each stage returns it to the next (`call-phases.ts`).
 */
export interface ModelCall extends RequestContext {
  readonly request: FastifyRequest;
  readonly response: ServerResponse;
  readonly route: ProxyRoute;
  readonly services: GatewayServices;
  /** Raised when the caller goes away; aborts the upstream call. */
  readonly signal: ClientAbort;
  /** The call's trace when telemetry is on (its SERVER span, parent of each attempt's); set by the proxy handler. */
  trace: CallTrace | undefined;
  /**
   * A route plan that claimed a half-open target's probe: settling releases the claim when the call never
   * tried it. Undefined when the plan claimed none.
   */
  probeClaim: RoutePlan | undefined;
  /** The call's content capture when it is captured (the capture stage decides); undefined for every other call. */
  capture: CaptureRecorder | undefined;
}

export function createModelCall(options: {
  request: FastifyRequest;
  response: ServerResponse;
  route: ProxyRoute;
  services: GatewayServices;
  signal: ClientAbort;
}): ModelCall {
  const { request, route } = options;
  // Fields assigned in one fixed order, so every call object shares one hidden class.
  const call = createRequestContext(request.id, route.dialect, performance.now(), route.operation) as ModelCall;
  const writable = call as { -readonly [Field in keyof ModelCall]: ModelCall[Field] };
  writable.request = request;
  writable.response = options.response;
  writable.route = route;
  writable.services = options.services;
  writable.signal = options.signal;
  writable.trace = undefined;
  writable.probeClaim = undefined;
  writable.capture = undefined;
  return call;
}
