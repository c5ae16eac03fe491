import type { UsageRow } from '../../domain/usage-row.js';
import { bucketOf, overheadBucketBoundsMs, throughputBucketBounds } from './rollup-columns.js';

/** What a usage row adds to the rollups' routing measures (see `routingMeasureColumns`). */
export interface RowRoutingMeasures {
  attempts: number;
  /** Attempts that tried the same target as the one before. */
  retries: number;
  fallbacks: number;
  upstreamMs: number;
  /** The gateway-overhead bucket (latency minus upstream time); -1 for a call without an attempt. */
  overheadBucket: number;
  /** The throughput bucket (output tokens per second of the serving attempt); -1 without a served answer. */
  throughputBucket: number;
}

/** Output tokens per second of a call's serving attempt; undefined for a failed call, a cache hit or no output. */
export function outputTokensPerSecond(row: UsageRow): number | undefined {
  const served = row.attemptTrail[row.attemptTrail.length - 1];
  if (row.outcome !== 'ok' || !served || served.errorCode !== null || row.outputTokens <= 0 || served.durationMs <= 0) return undefined;
  return row.outputTokens / (served.durationMs / 1000);
}

export function routingMeasuresOf(row: UsageRow): RowRoutingMeasures {
  const trail = row.attemptTrail;
  let retries = 0;
  let upstreamMs = 0;
  for (let index = 0; index < trail.length; index++) {
    upstreamMs += trail[index]!.durationMs;
    if (index > 0 && trail[index]!.target === trail[index - 1]!.target) retries++;
  }
  const throughput = outputTokensPerSecond(row);
  return {
    attempts: row.attempts,
    retries,
    fallbacks: row.fallback ? 1 : 0,
    // To a tenth of a millisecond: the full double is some 17 characters in every pack entry, which the
    // compactor parses again hour after hour.
    upstreamMs: Math.round(upstreamMs * 10) / 10,
    overheadBucket: trail.length === 0 ? -1 : bucketOf(Math.max(0, row.latencyMs - upstreamMs), overheadBucketBoundsMs),
    throughputBucket: throughput === undefined ? -1 : bucketOf(throughput, throughputBucketBounds),
  };
}
