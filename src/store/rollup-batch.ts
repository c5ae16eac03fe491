import type { UsageRow } from '../usage/usage-row.js';
import { latencyBucketBoundsMs, latencyBucketOf, rollupBucketMs, rollupGranularities, rollupMeasureColumns, type RollupDimensions, type RollupGranularity } from './rollup-columns.js';

/** One rollup row to add to its table: a bucket, a combination of dimensions and the measures to add. */
export interface RollupEntry {
  bucketStart: number;
  /** The dimensions as one text, the table's key with `bucket_start` (NULL-safe, unlike a key on the columns). */
  dimsKey: string;
  dimensions: RollupDimensions;
  /** In `rollupMeasureColumns` order. */
  measures: number[];
}

const measureCount = rollupMeasureColumns.length;
const latencyOffset = rollupMeasureColumns.findIndex((column) => column.name === 'latency_h00');
const ttfbOffset = rollupMeasureColumns.findIndex((column) => column.name === 'ttfb_h00');
const lastAtIndex = rollupMeasureColumns.findIndex((column) => column.name === 'last_at');
if (latencyOffset < 0 || ttfbOffset < 0 || lastAtIndex !== 8 || ttfbOffset - latencyOffset !== latencyBucketBoundsMs.length) {
  throw new Error('rollup measure columns out of the order rollup-batch.ts expects');
}

/** A row's tags as the rollups key them: deduplicated, sorted, JSON. */
export function canonicalTags(tags: readonly string[]): string {
  if (tags.length === 0) return '[]';
  return JSON.stringify([...new Set(tags)].sort());
}

/**
 * The rows of one batch summed per bucket and dimensions, for each rollup table: the store then writes one
 * upsert per entry instead of one per row (a batch of calls from the same minutes shares most keys).
 */
export function aggregateRollups(rows: readonly UsageRow[]): Record<RollupGranularity, RollupEntry[]> {
  const tables = { minute: new Map<string, RollupEntry>(), hour: new Map<string, RollupEntry>(), day: new Map<string, RollupEntry>() };
  for (const row of rows) {
    const dimensions: RollupDimensions = {
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
    // The same text SQLite's json_array() gives for these values (the back-fill builds it that way).
    const dimsKey = JSON.stringify([
      dimensions.keyId,
      dimensions.userName,
      dimensions.teamName,
      dimensions.requester,
      dimensions.provider,
      dimensions.model,
      dimensions.groupName,
      dimensions.inboundDialect,
      dimensions.tags,
      dimensions.outcome,
      dimensions.statusCode,
      dimensions.errorCode,
      dimensions.cached ? 1 : 0,
    ]);
    const latencyBucket = latencyOffset + latencyBucketOf(row.latencyMs);
    const ttfbBucket = row.timeToFirstByteMs === null ? -1 : ttfbOffset + latencyBucketOf(row.timeToFirstByteMs);
    for (const granularity of rollupGranularities) {
      const size = rollupBucketMs[granularity];
      const bucketStart = row.createdAt - (row.createdAt % size);
      const mapKey = `${bucketStart}|${dimsKey}`;
      const table = tables[granularity];
      let entry = table.get(mapKey);
      if (!entry) {
        entry = { bucketStart, dimsKey, dimensions, measures: new Array<number>(measureCount).fill(0) };
        table.set(mapKey, entry);
      }
      const measures = entry.measures;
      measures[0]! += 1;
      measures[1]! += row.inputTokens;
      measures[2]! += row.outputTokens;
      measures[3]! += row.cacheReadTokens;
      measures[4]! += row.cacheWriteTokens;
      measures[5]! += row.reasoningTokens;
      measures[6]! += row.costUsd ?? 0;
      if (row.cached) measures[7]! += row.savedCostUsd ?? 0;
      if (row.createdAt > measures[lastAtIndex]!) measures[lastAtIndex] = row.createdAt;
      measures[latencyBucket]! += 1;
      if (ttfbBucket >= 0) measures[ttfbBucket]! += 1;
    }
  }
  return { minute: [...tables.minute.values()], hour: [...tables.hour.values()], day: [...tables.day.values()] };
}
