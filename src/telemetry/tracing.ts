import type { CachedAnswer } from '../cache/response-cache.js';
import type { RouteTarget } from '../domain/route-target.js';
import type { UpstreamRequestParts } from '../domain/upstream-request-parts.js';
import type { AttemptRecord } from '../domain/attempt-record.js';

/**
 * The call a trace follows: the request path's `ModelCall`, which the implementation
 * (`server/telemetry/model-call-tracer.ts`) reads in full. Named by its id here so that the services, which hold the tracing, and the call, which
 * holds the services and its trace, need not import each other through this file.
 */
export interface TracedCall {
  readonly id: string;
}

/** The request an attempt sends, as the parse stage found it (`ParsedRequest`); named here only by its fields' owner. */
export interface TracedRequest {
  readonly body: unknown;
}

/**
 * Traces of model calls, as the request path sees them. Only types live here: the implementation
 * (`server/telemetry/otlp-tracing.ts`, the OpenTelemetry SDK behind it) is loaded when telemetry is on, and
 * the request path holds `null` otherwise — one check per call, no span, no attribute, no header work.
 */
export interface Tracing {
  /** Starts the SERVER span of an inbound model call, continuing the caller's `traceparent` when it sent one. */
  startCall(call: TracedCall): CallTrace;
  /** Exports every finished span now. */
  flush(): Promise<void>;
  /** Exports what is left and stops the exporter. */
  shutdown(): Promise<void>;
}

/** The trace of one model call: its SERVER span, parent of one CLIENT span per upstream attempt. */
export interface CallTrace {
  /** Starts the CLIENT span of one try of one target. */
  startAttempt(call: TracedCall, target: RouteTarget, request: TracedRequest): AttemptTrace;
  /** Ends the call's span with what its usage row says. */
  end(call: TracedCall): void;
}

export interface AttemptTrace {
  /** The upstream request with this attempt's `traceparent` (and the caller's `tracestate`) added. */
  withPropagation(parts: UpstreamRequestParts): UpstreamRequestParts;
  /** Set only when content is captured: takes the complete answer, for `gen_ai.output.messages`. */
  readonly recordAnswer: ((answer: CachedAnswer['answer']) => void) | undefined;
  /**
   * Ends the span. A failed attempt says why in `record`; `thrown` is what the attempt threw, if it threw
   * (the caller left, or a failure no other attempt could follow); otherwise it served the call.
   */
  end(call: TracedCall, record: AttemptRecord, thrown: unknown): void;
}
