import { countOf, optionalUsage, reportedCostOf, type TokenUsage } from '../../domain/token-usage.js';

/**
 * OpenAI's `prompt_tokens` already includes cached tokens; `completion_tokens` includes reasoning.
 * OpenRouter (and compatible servers that copy it) add `cost`, what the call was billed in USD-valued credits.
 */
export function convertOpenAiChatUsage(usage: unknown): TokenUsage | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const fields = usage as Record<string, unknown>;
  const promptDetails = (fields.prompt_tokens_details ?? {}) as Record<string, unknown>;
  const completionDetails = (fields.completion_tokens_details ?? {}) as Record<string, unknown>;
  return {
    inputTokens: countOf(fields.prompt_tokens),
    outputTokens: countOf(fields.completion_tokens),
    cacheReadTokens: countOf(promptDetails.cached_tokens),
    // OpenAI caches implicitly and does not bill writes; some compatible servers report them anyway.
    cacheWriteTokens: countOf(promptDetails.cache_write_tokens ?? fields.cache_creation_input_tokens),
    reasoningTokens: countOf(completionDetails.reasoning_tokens),
    ...optionalUsage(countOf(promptDetails.image_tokens), reportedCostOf(fields.cost)),
  };
}
