/**
 * Bootstrap intervals over trials (issue 22 §1): resample a run's trials with replacement, compute the
 * statistic on each resample, and take the 2.5th and 97.5th percentiles of what came out. The random
 * numbers come from a seeded generator, so the same rows always give the same interval.
 */

/** A 95% percentile interval; null bounds when no resample could compute the statistic. */
export interface Interval {
  low: number | null;
  high: number | null;
}

/** Resamples per interval unless told: enough for a stable 95% interval on a few hundred trials. */
export const defaultResamples = 2_000;

/** The seed every report starts from: answers are reproducible, not secret. */
export const defaultSeed = 0x5eed_22;

/** mulberry32: a small, fast, seeded generator of uniform numbers in [0, 1); plenty for resampling. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let mixed = state;
    mixed = Math.imul(mixed ^ (mixed >>> 15), mixed | 1);
    mixed ^= mixed + Math.imul(mixed ^ (mixed >>> 7), mixed | 61);
    return ((mixed ^ (mixed >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** Fills `indices` with a resample with replacement of as many items (reused: no allocation per resample). */
export function fillResample(indices: Uint32Array, random: () => number): void {
  const size = indices.length;
  for (let index = 0; index < size; index++) indices[index] = Math.floor(random() * size);
}

/**
 * The exact percentile (0..1) of values, interpolated linearly between the two nearest ranks (as
 * spreadsheets' PERCENTILE.INC); null without values. Sorts a copy.
 */
export function exactPercentile(values: readonly number[], quantile: number): number | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  return percentileOfSorted(sorted, quantile);
}

function percentileOfSorted(sorted: ArrayLike<number>, quantile: number): number | null {
  if (sorted.length === 0) return null;
  const rank = quantile * (sorted.length - 1);
  const below = Math.floor(rank);
  const above = Math.min(below + 1, sorted.length - 1);
  return sorted[below]! + (rank - below) * (sorted[above]! - sorted[below]!);
}

/** The 95% percentile interval of statistics computed on resamples; nulls (undefined resamples) are left out. */
export function intervalOf(statistics: readonly (number | null)[]): Interval {
  const defined = statistics.filter((value): value is number => value !== null && Number.isFinite(value));
  return { low: exactPercentile(defined, 0.025), high: exactPercentile(defined, 0.975) };
}

/**
 * The interval of `statistic` over resamples of `size` trials. The statistic is given the resample's trial
 * indices and answers null where it is undefined (say, a pass rate of a resample without outcomes).
 */
export function bootstrapInterval(size: number, statistic: (indices: Uint32Array) => number | null, random: () => number, resamples = defaultResamples): Interval {
  if (size === 0) return { low: null, high: null };
  const indices = new Uint32Array(size);
  const statistics: Array<number | null> = [];
  for (let resample = 0; resample < resamples; resample++) {
    fillResample(indices, random);
    statistics.push(statistic(indices));
  }
  return intervalOf(statistics);
}
