import type { StreamTap } from '../dialect.js';
import { createTapState, tapOf } from '../tap-state.js';
import { convertResponsesUsage } from './convert-usage.js';
import { readEventJson, unreadableEvent } from '../read-event-json.js';

type Json = Record<string, unknown>;

/** Follows a Responses stream passed through untouched: usage and status arrive with the final event. */
export function createResponsesStreamTap(): StreamTap {
  const state = createTapState();
  return tapOf(
    state,
    (event) => {
      const payload = readEventJson<Json>(event);
      if (payload === unreadableEvent) state.unreadableEvents++;
      if (payload === unreadableEvent || payload === undefined) return;
      const type = payload.type ?? event.event;
      if (typeof payload.delta === 'string') state.characters += payload.delta.length;
      const response = payload.response as Json | undefined;
      if (response && typeof response.model === 'string') state.reportedModel = response.model;
      if (response && typeof response.id === 'string') state.responseId = response.id;
      if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
        state.done = true;
        // No finish reason in this shape: why it is incomplete (`max_output_tokens`), else its status.
        const reason = (response?.incomplete_details as Json | null | undefined)?.reason ?? response?.status;
        if (typeof reason === 'string') state.finishReason = reason;
        state.usage = convertResponsesUsage(response?.usage) ?? state.usage;
        if (type === 'response.failed') state.errorMessage = String(((response?.error ?? {}) as Json).message ?? 'the response failed');
      } else if (type === 'error') {
        state.errorMessage = String(payload.message ?? 'upstream stream error');
      }
    },
    {},
  );
}
