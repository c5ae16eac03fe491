import type { TokenUsage } from '../domain/token-usage.js';
import type { ResponseFacts } from './wire-facts.js';

/**
 * Usage, model and id from a whole (non-streamed) response body; the OpenAI and Anthropic shapes keep them
 * at the top level. `finishReasonsOf` reads the shape's own stop reasons (trace attributes only).
 */
export function readResponseFacts(
  body: unknown,
  convertUsage: (usage: unknown) => TokenUsage | undefined,
  finishReasonsOf: (body: Record<string, unknown>) => string[] | undefined,
): ResponseFacts {
  const response = (body !== null && typeof body === 'object' ? body : {}) as Record<string, unknown>;
  return {
    usage: convertUsage(response.usage),
    reportedModel: typeof response.model === 'string' ? response.model : undefined,
    responseId: typeof response.id === 'string' ? response.id : undefined,
    finishReasons: finishReasonsOf(response),
  };
}

/** The strings among `values` (finish reasons read off untrusted bodies), or undefined when there are none. */
export function stringsOf(values: unknown[]): string[] | undefined {
  const strings = values.filter((value): value is string => typeof value === 'string');
  return strings.length > 0 ? strings : undefined;
}
