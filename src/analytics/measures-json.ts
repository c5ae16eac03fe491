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
  /** What the upstreams reported they billed for the calls that reported it; null when none did. */
  billed_cost_usd: number | null;
  /** How many calls carried a billed cost. */
  billed_calls: number;
  saved_usd: number;
  cache_hits: number;
  attempts: number;
  retries: number;
  fallbacks: number;
  upstream_ms: number;
  /** Calls served (or ended) by another target than the first choice, per call. */
  fallback_rate: number;
  /** Attempts that tried the same target again, per attempt. */
  retry_rate: number;
  attempts_per_call: number;
}

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

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
    billed_cost_usd: measures.billedCalls === 0 ? null : measures.billedCostUsd,
    billed_calls: measures.billedCalls,
    saved_usd: measures.savedUsd,
    cache_hits: measures.cacheHits,
    attempts: measures.attempts,
    retries: measures.retries,
    fallbacks: measures.fallbacks,
    upstream_ms: measures.upstreamMs,
    fallback_rate: ratio(measures.fallbacks, measures.calls),
    retry_rate: ratio(measures.retries, measures.attempts),
    attempts_per_call: ratio(measures.attempts, measures.calls),
  };
}

/** Largest spend first, then most calls. */
export function byCostThenCalls(left: { measures: RollupMeasures }, right: { measures: RollupMeasures }): number {
  return right.measures.costUsd - left.measures.costUsd || right.measures.calls - left.measures.calls;
}
