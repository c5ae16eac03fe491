import { latencyBucketBoundsMs, overheadBucketBoundsMs, throughputBucketBounds } from '../store/rollups/rollup-columns.js';

/**
 * A percentile (0..1) of values counted in buckets of `bounds` (the latency ones unless given), interpolated
 * linearly inside its bucket: within one bucket of the truth. The open last bucket answers its lower bound.
 * Null without counts.
 */
export function histogramPercentile(counts: readonly number[], quantile: number, bounds: readonly number[] = latencyBucketBoundsMs): number | null {
  const total = counts.reduce((sum, count) => sum + count, 0);
  if (total === 0) return null;
  const rank = quantile * total;
  let seen = 0;
  for (let index = 0; index < counts.length; index++) {
    const count = counts[index]!;
    if (count === 0) continue;
    if (seen + count >= rank) {
      const lower = index === 0 ? 0 : bounds[index - 1]!;
      const upper = bounds[index]!;
      if (upper === Infinity) return lower;
      return Math.round(lower + ((rank - seen) / count) * (upper - lower));
    }
    seen += count;
  }
  return bounds[bounds.length - 2]!;
}

/** p50, p95 and p99, or null when nothing was counted. */
export function percentilesOf(counts: readonly number[] | undefined): { p50: number; p95: number; p99: number } | null {
  if (!counts) return null;
  const p50 = histogramPercentile(counts, 0.5);
  const p95 = histogramPercentile(counts, 0.95);
  const p99 = histogramPercentile(counts, 0.99);
  return p50 === null || p95 === null || p99 === null ? null : { p50, p95, p99 };
}

/** Gateway overhead (latency minus upstream time) p50 and p95, or null when no call had an attempt. */
export function overheadPercentilesOf(counts: readonly number[] | undefined): { p50: number; p95: number } | null {
  if (!counts) return null;
  const p50 = histogramPercentile(counts, 0.5, overheadBucketBoundsMs);
  const p95 = histogramPercentile(counts, 0.95, overheadBucketBoundsMs);
  return p50 === null || p95 === null ? null : { p50, p95 };
}

/** Output tokens per second of the serving attempts, p50, or null when no call was served with output. */
export function throughputPercentilesOf(counts: readonly number[] | undefined): { p50: number } | null {
  if (!counts) return null;
  const p50 = histogramPercentile(counts, 0.5, throughputBucketBounds);
  return p50 === null ? null : { p50 };
}
