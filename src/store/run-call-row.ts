import type { RunCall } from '../domain/eval-outcome.js';

/** The columns the compare report reads from `usage_rows`, the same on both databases. */
// Retries and the serving attempt's time come from the call's attempts, each a primary-key lookup.
export const runCallColumns = `run_id, trial_id, provider, COALESCE(upstream_model, requested_model) AS model, outcome, cached, cost_usd,
  input_tokens, output_tokens, cache_read_tokens, cache_write_tokens, latency_ms, time_to_first_byte_ms, attempts, fallback,
  (SELECT COUNT(*) FROM usage_attempts earlier JOIN usage_attempts later ON later.usage_id = earlier.usage_id
     AND later.attempt_index = earlier.attempt_index + 1 AND later.target = earlier.target
   WHERE earlier.usage_id = usage_rows.id) AS retries,
  (SELECT CASE WHEN last.error_code IS NULL THEN last.duration_ms END FROM usage_attempts last
   WHERE last.usage_id = usage_rows.id ORDER BY last.attempt_index DESC LIMIT 1) AS serving_ms`;

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
    retries: Number(row.retries),
    servingMs: row.serving_ms === null || row.serving_ms === undefined ? null : Number(row.serving_ms),
  };
}

/** Request ids read per statement: well under SQLite's bound-parameter limit, and a bounded array for PostgreSQL. */
export const requestIdsPerRead = 1_000;

/** A row read by request id (its `id` selected too), as a call of `run` whose trial is that id. */
export function requestCallOf(row: { [column: string]: unknown }, run: string): RunCall {
  return { ...runCallOf(row), run, trial: String(row.id) };
}

/** Rows selected with `id, created_at`: oldest first, then by id, the order `runCalls` answers in. */
export function byCreation(a: { [column: string]: unknown }, b: { [column: string]: unknown }): number {
  return Number(a.created_at) - Number(b.created_at) || String(a.id).localeCompare(String(b.id));
}
