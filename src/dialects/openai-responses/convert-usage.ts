import { countOf, optionalUsage, reportedCostOf, type TokenUsage } from '../../domain/token-usage.js';

/** Responses usage: `input_tokens` includes cached ones, `output_tokens` includes reasoning. */
export function convertResponsesUsage(usage: unknown): TokenUsage | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const fields = usage as Record<string, unknown>;
  const inputDetails = (fields.input_tokens_details ?? {}) as Record<string, unknown>;
  const outputDetails = (fields.output_tokens_details ?? {}) as Record<string, unknown>;
  return {
    inputTokens: countOf(fields.input_tokens),
    outputTokens: countOf(fields.output_tokens),
    cacheReadTokens: countOf(inputDetails.cached_tokens),
    cacheWriteTokens: 0,
    reasoningTokens: countOf(outputDetails.reasoning_tokens),
    // OpenRouter's Responses API reports `cost` as its chat completions do.
    ...optionalUsage(countOf(inputDetails.image_tokens), reportedCostOf(fields.cost)),
  };
}

export function responsesUsage(usage: TokenUsage): Record<string, unknown> {
  return {
    input_tokens: usage.inputTokens,
    input_tokens_details: { cached_tokens: usage.cacheReadTokens },
    output_tokens: usage.outputTokens,
    output_tokens_details: { reasoning_tokens: usage.reasoningTokens },
    total_tokens: usage.inputTokens + usage.outputTokens,
  };
}
