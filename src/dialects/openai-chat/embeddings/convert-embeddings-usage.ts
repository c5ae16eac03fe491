import { countOf, type TokenUsage } from '../../../domain/token-usage.js';

/** An embeddings answer's `usage`: `prompt_tokens` is all there is (`total_tokens` is the same number). */
export function convertOpenAiEmbeddingsUsage(usage: unknown): TokenUsage | undefined {
  if (usage === null || typeof usage !== 'object') return undefined;
  const fields = usage as Record<string, unknown>;
  const inputTokens = countOf(fields.prompt_tokens ?? fields.total_tokens);
  return { inputTokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}
