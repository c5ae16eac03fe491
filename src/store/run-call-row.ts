import type { RunCall } from '../domain/eval-outcome.js';

/** The columns the compare report reads from `usage_rows`, the same on both databases. */
export const runCallColumns =
  'run_id, trial_id, provider, COALESCE(upstream_model, requested_model) AS model, outcome, cached, cost_usd, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, time_to_first_byte_ms, attempts, fallback';

/** A `usage_rows` row selected with `runCallColumns`, from either database, as the report's call. */
export function runCallOf(row: { [column: string]: unknown }): RunCall {
  return {
    run: String(row.run_id),
    trial: row.trial_id === null ? null : String(row.trial_id),
    provider: row.provider === null ? null : String(row.provider),
    model: row.model === null ? null : String(row.model),
    served: row.outcome === 'ok',
    // SQLite stores flags as 0/1, PostgreSQL as booleans.
    cached: row.cached === true || row.cached === 1,
    costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
    cacheReadTokens: Number(row.cache_read_tokens),
    cacheWriteTokens: Number(row.cache_write_tokens),
    latencyMs: Number(row.latency_ms),
    timeToFirstByteMs: row.time_to_first_byte_ms === null ? null : Number(row.time_to_first_byte_ms),
    attempts: Number(row.attempts),
    fallback: row.fallback === true || row.fallback === 1,
  };
}
