import type { IrStreamEvent } from '../ir/ir-types.js';
import type { SseEvent } from '../upstream/sse-decoder.js';

/** Marks an event whose data should have been JSON and is not. */
export const unreadableEvent: unique symbol = Symbol('unreadable event');

/**
 * An SSE event's JSON payload. Events that carry none by design (`[DONE]`, empty data) give `undefined`;
 * data that is not JSON gives `unreadableEvent`, so the stream can be recorded as an invalid response
 * instead of passing for a successful one with no tokens.
 */
export function readEventJson<Payload>(event: SseEvent): Payload | undefined | typeof unreadableEvent {
  if (event.data === '' || event.data === '[DONE]') return undefined;
  try {
    return JSON.parse(event.data) as Payload;
  } catch {
    return unreadableEvent;
  }
}

/** The core event a decoder emits for an unreadable upstream event: translated streams end with it. */
export function unreadableEventError(): IrStreamEvent {
  return { type: 'error', status: 502, message: 'The upstream provider sent a stream event that is not valid JSON.', code: 'upstream_invalid_response' };
}
