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
  /** Image tokens among `inputTokens`, when the provider says (Gemini's IMAGE modality, `image_tokens`). */
  imageTokens?: number;
  /**
   * What the provider itself said the call cost, in USD (OpenRouter's `usage.cost`, and OpenAI-compatible
   * servers that report the same field); absent when it said nothing. Not a token count, but it arrives in
   * the same usage object and must travel every path the counts travel (whole, streamed, translated).
   */
  billedCostUsd?: number;
}

export function emptyUsage(): TokenUsage {
  return { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
}

/** Reads a non-negative integer count from an untrusted upstream field. */
export function countOf(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0;
}

/** Reads a reported cost (USD) from an untrusted upstream field; undefined unless a finite number ≥ 0. */
export function reportedCostOf(value: unknown): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : undefined;
}

/** The fields of TokenUsage a provider may leave out, present only when it reported them. */
export function optionalUsage(imageTokens: number, billedCostUsd: number | undefined): Pick<TokenUsage, 'imageTokens' | 'billedCostUsd'> {
  const fields: Pick<TokenUsage, 'imageTokens' | 'billedCostUsd'> = {};
  if (imageTokens > 0) fields.imageTokens = imageTokens;
  if (billedCostUsd !== undefined) fields.billedCostUsd = billedCostUsd;
  return fields;
}

/** A rough token estimate (≈ 4 characters per token) for when the provider sent no count. */
export function estimateTokensFromCharacters(characters: number): number {
  return characters > 0 ? Math.ceil(characters / 4) : 0;
}
