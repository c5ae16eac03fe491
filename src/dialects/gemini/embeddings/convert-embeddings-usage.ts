import { countOf, type TokenUsage } from '../../../domain/token-usage.js';

/**
 * Gemini's embeddings answers carry no token count in the documented API; a `usageMetadata` with a
 * `promptTokenCount` is read when one comes. Undefined otherwise: the gateway estimates the input then.
 */
export function convertGeminiEmbeddingsUsage(metadata: unknown): TokenUsage | undefined {
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const inputTokens = countOf((metadata as Record<string, unknown>).promptTokenCount);
  if (inputTokens === 0) return undefined;
  return { inputTokens, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}
