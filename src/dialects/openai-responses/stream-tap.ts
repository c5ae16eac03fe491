import type { TokenUsage } from '../../usage/token-usage.js';
import type { StreamTap } from '../dialect.js';
import { convertResponsesUsage } from './convert-usage.js';

type Json = Record<string, unknown>;

/** Follows a Responses stream passed through untouched: usage and status arrive with the final event. */
export function createResponsesStreamTap(): StreamTap {
  let usage: TokenUsage | undefined;
  let reportedModel: string | undefined;
  let characters = 0;
  let done = false;
  let errorMessage: string | undefined;
  return {
    observe(event) {
      let payload: Json;
      try {
        payload = JSON.parse(event.data) as Json;
      } catch {
        return;
      }
      const type = payload.type ?? event.event;
      if (typeof payload.delta === 'string') characters += payload.delta.length;
      const response = payload.response as Json | undefined;
      if (response && typeof response.model === 'string') reportedModel = response.model;
      if (type === 'response.completed' || type === 'response.incomplete' || type === 'response.failed') {
        done = true;
        usage = convertResponsesUsage(response?.usage) ?? usage;
        if (type === 'response.failed') errorMessage = String(((response?.error ?? {}) as Json).message ?? 'the response failed');
      } else if (type === 'error') {
        errorMessage = String(payload.message ?? 'upstream stream error');
      }
    },
    shouldForward: () => true,
    facts: () => ({ usage, reportedModel }),
    outputReported: () => usage !== undefined,
    generatedCharacters: () => characters,
    completed: () => done,
    upstreamErrorMessage: () => errorMessage,
  };
}
