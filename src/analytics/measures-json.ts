import type { RollupMeasures } from '../store/analytics-store.js';

/** The contract's measures object (snake_case; money unrounded). */
export interface MeasuresJson {
  calls: number;
  errors: number;
  cancelled: number;
  input_tokens: number;
  output_tokens: number;
  cache_read_tokens: number;
  cache_write_tokens: number;
  reasoning_tokens: number;
  cost_usd: number;
  saved_usd: number;
  cache_hits: number;
}

export function measuresJson(measures: RollupMeasures): MeasuresJson {
  return {
    calls: measures.calls,
    errors: measures.errors,
    cancelled: measures.cancelled,
    input_tokens: measures.inputTokens,
    output_tokens: measures.outputTokens,
    cache_read_tokens: measures.cacheReadTokens,
    cache_write_tokens: measures.cacheWriteTokens,
    reasoning_tokens: measures.reasoningTokens,
    cost_usd: measures.costUsd,
    saved_usd: measures.savedUsd,
    cache_hits: measures.cacheHits,
  };
}

/** Largest spend first, then most calls. */
export function byCostThenCalls(left: { measures: RollupMeasures }, right: { measures: RollupMeasures }): number {
  return right.measures.costUsd - left.measures.costUsd || right.measures.calls - left.measures.calls;
}
