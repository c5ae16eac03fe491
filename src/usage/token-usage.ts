/**
 * Token counts in one convention for every provider: `inputTokens` is the whole prompt, cache reads and
 * cache writes included (they are partitions of it), and `outputTokens` includes reasoning tokens.
 * Anthropic reports cache tokens outside `input_tokens`; OpenAI inside `prompt_tokens`; both map here.
 */
export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
}

export function emptyUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

/** Reads a non-negative integer count from an untrusted upstream field. */
export function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** A rough token estimate (≈ 4 characters per token) for when the provider sent no count. */
export function estimateTokensFromCharacters(characters: number): number {
  return characters > 0 ? Math.ceil(characters / 4) : 0;
}
