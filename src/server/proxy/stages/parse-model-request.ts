import type { ModelCall } from '../model-call.js';
import { requesterOf } from '../request-attribution.js';

/**
 * Stage 2 — the fields Sluice reads (model, stream, end user), checked in place; everything else passes
 * through untouched. 400 naming the field. (The body's JSON, size and nesting depth were checked by the
 * server before any stage ran.)
 */
export function parseModelRequest(call: ModelCall): void {
  const inbound = call.route.dialect.parseRequest(call.body, call.route.url);
  call.inbound = inbound;
  call.requestedModel = inbound.model;
  call.stream = inbound.stream;
  call.requester = requesterOf(call.request.headers, inbound.bodyRequester);
}
