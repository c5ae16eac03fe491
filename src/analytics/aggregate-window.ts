import type { AnalyticsStore, RollupDimension, RollupGroup, RollupMeasures, RollupQuery } from '../store/analytics-store.js';
import { rollupTableOf, type RollupShape } from '../store/rollups/rollup-columns.js';
import { coarsestFor, windowPieces } from './rollup-window.js';

/** What each shape but `full` can group and filter by, and whether it has histograms, narrowest first. */
const narrowShapes: ReadonlyArray<{ shape: RollupShape; dimensions: ReadonlySet<RollupDimension>; filters: ReadonlySet<string>; histograms: boolean }> = [
  { shape: 'model', dimensions: new Set(['provider', 'model']), filters: new Set(['provider', 'model']), histograms: false },
  { shape: 'identity', dimensions: new Set(['key', 'user', 'team']), filters: new Set(['key', 'user', 'team']), histograms: false },
  { shape: 'spend', dimensions: new Set(['key', 'user', 'team', 'provider', 'model', 'dialect']), filters: new Set(['key', 'user', 'team', 'provider', 'model']), histograms: false },
  {
    shape: 'activity',
    dimensions: new Set(['key', 'user', 'team', 'provider', 'model', 'status_code', 'error_code']),
    filters: new Set(['key', 'user', 'team', 'provider', 'model']),
    histograms: true,
  },
  { shape: 'routing', dimensions: new Set(['group', 'provider', 'model']), filters: new Set(['group', 'provider', 'model']), histograms: true },
];

/** The narrowest tables that hold all the query needs (a few rows per identity or model a day), else the full ones. */
function shapeFor(query: WindowQuery): RollupShape {
  const fits = narrowShapes.find(
    (candidate) =>
      (candidate.histograms || !query.histograms) &&
      query.by.every((dimension) => candidate.dimensions.has(dimension)) &&
      Object.entries(query.filters).every(([name, value]) => value === undefined || candidate.filters.has(name)),
  );
  return fits?.shape ?? 'full';
}

/** A rollup query over a whole window (`from`/`to` aligned, see `alignWindow`), before it is split over the tables. */
export type WindowQuery = Omit<RollupQuery, 'table'>;

export function emptyMeasures(): RollupMeasures {
  return { calls: 0, errors: 0, cancelled: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0, costUsd: 0, savedUsd: 0, cacheHits: 0, lastAt: 0, attempts: 0, retries: 0, fallbacks: 0, upstreamMs: 0, billedCostUsd: 0, billedCalls: 0 };
}

/** Adds `source` into `target` (`lastAt` keeps the newest). */
export function addMeasures(target: RollupMeasures, source: RollupMeasures): void {
  target.calls += source.calls;
  target.errors += source.errors;
  target.cancelled += source.cancelled;
  target.inputTokens += source.inputTokens;
  target.outputTokens += source.outputTokens;
  target.cacheReadTokens += source.cacheReadTokens;
  target.cacheWriteTokens += source.cacheWriteTokens;
  target.reasoningTokens += source.reasoningTokens;
  target.costUsd += source.costUsd;
  target.savedUsd += source.savedUsd;
  target.cacheHits += source.cacheHits;
  if (source.lastAt > target.lastAt) target.lastAt = source.lastAt;
  target.attempts += source.attempts;
  target.retries += source.retries;
  target.fallbacks += source.fallbacks;
  target.upstreamMs += source.upstreamMs;
  target.billedCostUsd += source.billedCostUsd;
  target.billedCalls += source.billedCalls;
}

export function addHistogram(target: number[] | undefined, source: number[] | undefined): number[] | undefined {
  if (!source) return target;
  if (!target) return [...source];
  for (let index = 0; index < source.length; index++) target[index]! += source[index]!;
  return target;
}

/**
 * Sums over a window from the rollups, grouped: one query per table the window spans (days, hours,
 * minutes), merged here by group (and time bucket). Reads the narrowest tables that suffice.
 */
export async function aggregateWindow(store: AnalyticsStore, query: WindowQuery): Promise<RollupGroup[]> {
  const compactedUntil = await store.rollupsCompactedUntil();
  const shape = shapeFor(query);
  const pieces = windowPieces(query.from, query.to, compactedUntil, query.bucketMs === undefined ? 'day' : coarsestFor(query.bucketMs));
  const parts = await Promise.all(
    pieces.map((piece) =>
      store.aggregateRollups({
        table: rollupTableOf(piece.granularity, shape),
        from: piece.from,
        to: piece.to,
        filters: query.filters,
        by: query.by,
        bucketMs: query.bucketMs,
        histograms: query.histograms,
      }),
    ),
  );
  if (parts.length === 1) return parts[0]!;
  const merged = new Map<string, RollupGroup>();
  for (const part of parts) {
    for (const group of part) {
      const key = JSON.stringify([group.bucketStart ?? null, ...query.by.map((dimension) => group.values[dimension] ?? null)]);
      const known = merged.get(key);
      if (!known) {
        merged.set(key, {
          ...group,
          measures: { ...group.measures },
          latencyHistogram: group.latencyHistogram && [...group.latencyHistogram],
          ttfbHistogram: group.ttfbHistogram && [...group.ttfbHistogram],
          overheadHistogram: group.overheadHistogram && [...group.overheadHistogram],
          throughputHistogram: group.throughputHistogram && [...group.throughputHistogram],
        });
        continue;
      }
      addMeasures(known.measures, group.measures);
      known.latencyHistogram = addHistogram(known.latencyHistogram, group.latencyHistogram);
      known.ttfbHistogram = addHistogram(known.ttfbHistogram, group.ttfbHistogram);
      known.overheadHistogram = addHistogram(known.overheadHistogram, group.overheadHistogram);
      known.throughputHistogram = addHistogram(known.throughputHistogram, group.throughputHistogram);
    }
  }
  return [...merged.values()];
}
