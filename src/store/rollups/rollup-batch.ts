import type { UsageRow } from '../../domain/usage-row.js';
import { routingMeasuresOf } from './routing-measures.js';
import {
  type CompactedTableName,
  dimensionColumnsOf,
  keepsHistograms,
  latencyBucketBoundsMs,
  latencyBucketOf,
  rollupBucketMs,
  rollupMeasureColumns,
  spendMeasureCount,
  storedMeasureColumnsOf,
  rollupTables,
  type RollupDimensions,
  type RollupGranularity,
  type RollupShape,
} from './rollup-columns.js';

/** One rollup row to add to its table: a bucket, a combination of dimensions and the measures to add. */
export interface RollupEntry {
  bucketStart: number;
  /**
   * The shape's dimensions as one text: the key of the narrow tables' rows (with `bucket_start`; NULL-safe,
   * unlike a key on the columns) and of a combination in a pack. The same text SQLite's json_array() gives
   * for these values; PostgreSQL keys its md5.
   */
  dimensionsKey: string;
  dimensions: RollupDimensions;
  /** In `storedMeasureColumnsOf(shape)` order. */
  measures: number[];
}

const lastAtIndex = rollupMeasureColumns.findIndex((column) => column.name === 'last_at');
const latencyOffset = rollupMeasureColumns.findIndex((column) => column.name === 'latency_h00');
const ttfbOffset = rollupMeasureColumns.findIndex((column) => column.name === 'ttfb_h00');
if (lastAtIndex !== 11 || latencyOffset !== 12 || ttfbOffset - latencyOffset !== latencyBucketBoundsMs.length) {
  throw new Error('rollup measure columns out of the order rollup-batch.ts expects');
}
/** Where the routing measures start: after the histograms in the shapes that keep them, else after the spend measures. */
const routingOffsetWithHistograms = rollupMeasureColumns.length;
const overheadOffset = routingOffsetWithHistograms + 4;
const throughputOffset = overheadOffset + latencyBucketBoundsMs.length;
/** Where the billed measures start: after the routing histograms in the shapes that keep them, else after the routing measures. */
const billedOffsetWithHistograms = throughputOffset + latencyBucketBoundsMs.length;
const billedOffsetWithout = spendMeasureCount + 4;

/** A row's tags as the rollups key them: deduplicated, sorted, JSON. */
export function canonicalTags(tags: readonly string[]): string {
  if (tags.length === 0) return '[]';
  if (tags.length === 1) return JSON.stringify(tags);
  return JSON.stringify([...new Set(tags)].sort());
}

function dimensionsOf(row: UsageRow): RollupDimensions {
  return {
    keyId: row.keyId,
    userName: row.userName,
    teamName: row.teamName,
    requester: row.requester,
    provider: row.provider,
    model: row.upstreamModel ?? row.requestedModel,
    groupName: row.groupName,
    inboundDialect: row.inboundDialect,
    tags: canonicalTags(row.tags),
    outcome: row.outcome,
    statusCode: row.statusCode,
    errorCode: row.errorCode,
    cached: row.cached,
  };
}

/** A shape's dimensions as one text: JSON of their values in column order, booleans as 1 or 0. */
export function dimensionsKeyOf(dimensions: RollupDimensions, fields: ReadonlyArray<keyof RollupDimensions>): string {
  const values: unknown[] = [];
  for (const field of fields) {
    const value = dimensions[field];
    values.push(typeof value === 'boolean' ? (value ? 1 : 0) : value);
  }
  return JSON.stringify(values);
}

/**
 * The rows of one batch summed per bucket and dimensions of a shape: the store then writes one rollup row
 * per entry instead of one per row.
 */
export function aggregateRollups(rows: readonly UsageRow[], granularity: RollupGranularity, shape: RollupShape): RollupEntry[] {
  const size = rollupBucketMs[granularity];
  const fields = dimensionColumnsOf(shape).map((column) => column.field);
  const measureCount = storedMeasureColumnsOf(shape).length;
  const histograms = keepsHistograms(shape);
  const entries = new Map<string, RollupEntry>();
  for (const row of rows) {
    const dimensions = dimensionsOf(row);
    const dimensionsKey = dimensionsKeyOf(dimensions, fields);
    const bucketStart = row.createdAt - (row.createdAt % size);
    const mapKey = `${bucketStart}|${dimensionsKey}`;
    let entry = entries.get(mapKey);
    if (!entry) {
      entry = { bucketStart, dimensionsKey, dimensions, measures: new Array<number>(measureCount).fill(0) };
      entries.set(mapKey, entry);
    }
    addRow(entry.measures, row, histograms);
  }
  return [...entries.values()];
}

/** Adds a row to a sum's measures (in `storedMeasureColumnsOf` order; histograms only if the shape keeps them). */
export function addRow(measures: number[], row: UsageRow, histograms: boolean): void {
  measures[0]! += 1;
  if (row.outcome === 'error') measures[1]! += 1;
  if (row.outcome === 'cancelled') measures[2]! += 1;
  if (row.cached) measures[3]! += 1;
  measures[4]! += row.inputTokens;
  measures[5]! += row.outputTokens;
  measures[6]! += row.cacheReadTokens;
  measures[7]! += row.cacheWriteTokens;
  measures[8]! += row.reasoningTokens;
  measures[9]! += row.costUsd ?? 0;
  if (row.cached) measures[10]! += row.savedCostUsd ?? 0;
  if (row.createdAt > measures[lastAtIndex]!) measures[lastAtIndex] = row.createdAt;
  if (histograms) {
    measures[latencyOffset + latencyBucketOf(row.latencyMs)]! += 1;
    if (row.timeToFirstByteMs !== null) measures[ttfbOffset + latencyBucketOf(row.timeToFirstByteMs)]! += 1;
  }
  const routing = routingMeasuresOf(row);
  const offset = histograms ? routingOffsetWithHistograms : spendMeasureCount;
  measures[offset]! += routing.attempts;
  measures[offset + 1]! += routing.retries;
  measures[offset + 2]! += routing.fallbacks;
  measures[offset + 3]! += routing.upstreamMs;
  if (histograms) {
    if (routing.overheadBucket >= 0) measures[overheadOffset + routing.overheadBucket]! += 1;
    if (routing.throughputBucket >= 0) measures[throughputOffset + routing.throughputBucket]! += 1;
  }
  if (row.billedCostUsd !== null) {
    const billed = histograms ? billedOffsetWithHistograms : billedOffsetWithout;
    measures[billed]! += row.billedCostUsd;
    measures[billed + 1]! += 1;
  }
}

/**
 * A row's full-shape key, the JSON of its thirteen dimensions in column order (as `dimensionsKeyOf` spells it),
 * and the same key as a JSON string (as a pack entry holds it).
 */
export function fullDimensionsKeyOf(row: UsageRow): { key: string; quoted: string } {
  const key = JSON.stringify([
    row.keyId,
    row.userName,
    row.teamName,
    row.requester,
    row.provider,
    row.upstreamModel ?? row.requestedModel,
    row.groupName,
    row.inboundDialect,
    canonicalTags(row.tags),
    row.outcome,
    row.statusCode,
    row.errorCode,
    row.cached ? 1 : 0,
  ]);
  return { key, quoted: JSON.stringify(key) };
}

/**
 * The hour up to which minutes can be compacted once a batch reaches `latest`: its hour, never past the
 * current one (a row stamped in the future by a skewed clock must not move the mark ahead of time).
 */
export function compactionTarget(latest: number): number {
  const hour = rollupBucketMs.hour;
  const now = Date.now();
  return Math.min(latest - (latest % hour), now - (now % hour));
}

/**
 * The next mark a compaction pass moves to, from the mark, the bucket of the first minute pack at or after it
 * and the bucket of the latest minute pack (undefined when there are none): the end of the first hour holding
 * minute packs, so one pass compacts one hour (and the days the mark passes) and a writer waiting on the
 * database never waits for more; never past `compactionTarget` of the latest minute. Undefined when nothing
 * is due.
 */
export function compactionStep(mark: number, firstMinuteFromMark: number | undefined, latestMinute: number | undefined): number | undefined {
  if (firstMinuteFromMark === undefined || latestMinute === undefined) return undefined;
  const hour = rollupBucketMs.hour;
  const target = Math.min(compactionTarget(latestMinute), firstMinuteFromMark - (firstMinuteFromMark % hour) + hour);
  return target > mark ? target : undefined;
}

/**
 * Up to where a compacted table holds every row, given the compaction mark: hour tables up to the mark,
 * day tables up to the midnight before it (a day is compacted once it has ended). A row before this edge
 * (late) is added straight to the table; one after it reaches the table through compaction.
 */
export function compactedEdge(name: CompactedTableName, mark: number): number {
  const size = rollupBucketMs[rollupTables[name].granularity];
  return mark - (mark % size);
}

/** What moving the mark from `mark` to `target` compacts into a table: `[from, to)`, empty when `from >= to`. */
export function compactionRange(name: CompactedTableName, mark: number, target: number): { from: number; to: number } {
  return { from: compactedEdge(name, mark), to: compactedEdge(name, target) };
}

/** Tells apart the packs of one bucket (a collision fails the batch, which is retried). */
export function randomSequence(): number {
  return Math.floor(Math.random() * 2 ** 48);
}
