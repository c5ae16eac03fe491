export interface LatencySummary {
  p50: number;
  p99: number;
  count: number;
}

/** Nearest-rank percentile of an ascending list. */
function percentile(sorted: number[], fraction: number): number {
  const rank = Math.ceil(sorted.length * fraction) - 1;
  return sorted[Math.min(sorted.length - 1, Math.max(0, rank))] ?? Number.NaN;
}

export function summarize(samples: number[]): LatencySummary {
  const sorted = Float64Array.from(samples).sort();
  const ascending = Array.from(sorted);
  return { p50: percentile(ascending, 0.5), p99: percentile(ascending, 0.99), count: ascending.length };
}

/** Rotates the list by `round`, so no scenario is always measured first (right after a quiet pause) or last. */
export function rotate<Item>(items: Item[], round: number): Item[] {
  const offset = round % Math.max(1, items.length);
  return [...items.slice(offset), ...items.slice(0, offset)];
}

/** The middle value (the mean of the two middle ones for an even count). */
export function median(samples: number[]): number {
  const sorted = [...samples].sort((left, right) => left - right);
  const middle = Math.floor(sorted.length / 2);
  if (sorted.length === 0) return Number.NaN;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}
