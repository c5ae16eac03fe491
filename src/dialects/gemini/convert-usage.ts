import { countOf, optionalUsage, type TokenUsage } from '../../domain/token-usage.js';

/**
 * Gemini's usageMetadata: `promptTokenCount` includes cached content; thoughts are counted apart from
 * `candidatesTokenCount` but billed as output, so output = candidates + thoughts.
 */
export function convertGeminiUsage(metadata: unknown): TokenUsage | undefined {
  if (metadata === null || typeof metadata !== 'object') return undefined;
  const fields = metadata as Record<string, unknown>;
  const thoughts = countOf(fields.thoughtsTokenCount);
  return {
    inputTokens: countOf(fields.promptTokenCount) + countOf(fields.toolUsePromptTokenCount),
    outputTokens: countOf(fields.candidatesTokenCount) + thoughts,
    cacheReadTokens: countOf(fields.cachedContentTokenCount),
    cacheWriteTokens: 0,
    reasoningTokens: thoughts,
    ...optionalUsage(imageTokensOf(fields.promptTokensDetails), undefined),
  };
}

/** `promptTokensDetails: [{ modality: 'IMAGE', tokenCount }]`: the prompt's tokens per modality. */
function imageTokensOf(details: unknown): number {
  if (!Array.isArray(details)) return 0;
  let tokens = 0;
  for (const detail of details) {
    if (detail !== null && typeof detail === 'object' && (detail as Record<string, unknown>).modality === 'IMAGE') tokens += countOf((detail as Record<string, unknown>).tokenCount);
  }
  return tokens;
}

export function geminiUsageMetadata(usage: TokenUsage): Record<string, number> {
  return {
    promptTokenCount: usage.inputTokens,
    candidatesTokenCount: usage.outputTokens - usage.reasoningTokens,
    totalTokenCount: usage.inputTokens + usage.outputTokens,
    ...(usage.cacheReadTokens > 0 ? { cachedContentTokenCount: usage.cacheReadTokens } : {}),
    ...(usage.reasoningTokens > 0 ? { thoughtsTokenCount: usage.reasoningTokens } : {}),
  };
}
