import type { TokenUsage } from '../usage/token-usage.js';
import type { ResponseFacts } from './dialect.js';

/** Usage and model from a whole (non-streamed) response body; both shapes keep them at the top level. */
export function readResponseFacts(body: unknown, convertUsage: (usage: unknown) => TokenUsage | undefined): ResponseFacts {
  const response = (body ?? {}) as { usage?: unknown; model?: unknown };
  return {
    usage: convertUsage(response.usage),
    reportedModel: typeof response.model === 'string' ? response.model : undefined,
  };
}
