import { countOf, type TokenUsage } from '../../domain/token-usage.js';

/**
 * Anthropic reports cache reads and writes beside `input_tokens`, not inside it; Sluice's input count is
 * the whole prompt, so they are added back.
 */
export function convertAnthropicUsage(usage: unknown): TokenUsage | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const fields = usage as Record<string, unknown>;
  const cacheReadTokens = countOf(fields.cache_read_input_tokens);
  const cacheWriteTokens = countOf(fields.cache_creation_input_tokens);
  const outputDetails = (fields.output_tokens_details ?? {}) as Record<string, unknown>;
  return {
    inputTokens: countOf(fields.input_tokens) + cacheReadTokens + cacheWriteTokens,
    outputTokens: countOf(fields.output_tokens),
    cacheReadTokens,
    cacheWriteTokens,
    // Thinking is billed as output; newer API versions also say how much of it was thinking.
    reasoningTokens: countOf(outputDetails.thinking_tokens),
  };
}
