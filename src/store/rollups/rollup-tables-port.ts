import type { FullMeasures, BucketSums } from './bucket-sums.js';
import type { RollupEntry } from './rollup-batch.js';
import type { CompactedTableName, PackedTableName } from './rollup-columns.js';
import type { StoreWork } from './store-work.js';

/** `[from, to)` in epoch ms; never empty where a port is handed one. */
export interface BucketRange {
  from: number;
  to: number;
}

/**
 * What compaction and the usage writer's batches read from one backend's rollup tables. Each backend
 * implements this port (`sqlite/sqlite-rollup-tables.ts`, `postgres/postgres-rollup-tables.ts`) and nothing
 * more of the rollup engine: which hours and days a step reads, how it sums them and what it writes are
 * worked out once, in compaction-loop.ts and compaction-plan.ts.
 */
export interface RollupTablesReader {
  /** The compaction mark (in a write, held: no one else moves it until the transaction ends). */
  mark(): StoreWork<number>;
  /** The bucket of the first minute pack at or after `from`, and of the latest one; undefined when none. */
  minuteBounds(from: number): StoreWork<{ first: number | undefined; latest: number | undefined }>;
  /** How many packs a table holds in a range: packs are only appended there, so a count that holds means nothing was. */
  packCount(table: PackedTableName, range: BucketRange): StoreWork<number>;
  /** The buckets of `granularity` that packs of `source` in a range fall in, in order. */
  bucketsWithPacks(source: PackedTableName, granularity: 'hour' | 'day', range: BucketRange): StoreWork<number[]>;
  /** The sums of a table's packs in a range, by combination (its dimensions key). */
  summedPacks(table: PackedTableName, range: BucketRange): StoreWork<Map<string, FullMeasures>>;
}

/** What they write, in a transaction that holds the mark. */
export interface RollupTablesWriter extends RollupTablesReader {
  /** Appends packs (full-shape sums, one per bucket) to a full-shape table. */
  appendPacks(table: PackedTableName, packs: readonly BucketSums[]): StoreWork<void>;
  /** Adds entries' sums to a narrow-shape table's rows (inserted, or added to the row of their bucket and dimensions). */
  upsertNarrow(name: CompactedTableName, entries: readonly RollupEntry[]): StoreWork<void>;
  moveMark(target: number): StoreWork<void>;
}

/** One backend's rollup tables, read in a snapshot that takes no write lock or written holding the mark. */
export interface RollupTablesPort {
  /** Runs `work` in one read transaction: the usage writer does not wait for it. */
  reading<Result>(work: (tables: RollupTablesReader) => StoreWork<Result>): StoreWork<Result>;
  /** Runs `work` in one write transaction holding the mark (SQLite's write lock; the mark's row `FOR UPDATE`). */
  writing<Result>(work: (tables: RollupTablesWriter) => StoreWork<Result>): StoreWork<Result>;
}
