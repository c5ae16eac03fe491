import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { UsageRow } from '../../../domain/usage-row.js';
import type { PostgresDatabase } from '../../postgres/postgres-database.js';
import { postgresRollupSyntax } from '../../postgres/migrations.js';
import { postgresType, toPostgresValue } from '../../postgres/postgres-columns.js';
import { toStoreError } from '../../store-error-kind.js';
import { NarrowShapeRows, type FullMeasures, type BucketSums } from '../bucket-sums.js';
import { addBatch, compactDueSteps, compactTo } from '../compaction-loop.js';
import { compactionTarget, type RollupEntry } from '../rollup-batch.js';
import { dimensionColumnsOf, narrowHourShapes, rollupBucketMs, rollupTables, storedMeasureColumnsOf, type CompactedTableName, type PackedTableName, type RollupTable } from '../rollup-columns.js';
import { mergeAssignments, rollupStateTable } from '../rollup-migration.js';
import type { BucketRange, RollupTablesPort, RollupTablesReader, RollupTablesWriter } from '../rollup-tables-port.js';
import { awaited, doAwaiting, type StoreWork } from '../store-work.js';
import { packsAppend, summedPacks } from './postgres-bucket-sums-sql.js';

type Row = Record<string, unknown>;

/** The advisory lock one instance's rollup compactor holds while it compacts (8422 is the migrations'). */
export const compactorLockKey = 8423;

/** A narrow table row's dimensions key (`dims`): hashed, as a B-tree key holds ~2.7 kB at most. */
function hashedDimensionsKey(dimensionsKey: string): string {
  return createHash('md5').update(dimensionsKey).digest('hex');
}

/** One array per column for a narrow shape's entries (keyed by their dimensions inline). */
function keyedArrays(table: RollupTable, entries: readonly RollupEntry[]): unknown[][] {
  const arrays: unknown[][] = [entries.map((entry) => entry.bucketStart), entries.map((entry) => hashedDimensionsKey(entry.dimensionsKey))];
  for (const column of dimensionColumnsOf(table.shape)) arrays.push(entries.map((entry) => toPostgresValue(column.kind, entry.dimensions[column.field])));
  for (let index = 0; index < storedMeasureColumnsOf(table.shape).length; index++) arrays.push(entries.map((entry) => entry.measures[index]));
  return arrays;
}

/** Adds sums to a narrow hour or day table (compaction, and rows that arrive after their hour was compacted). */
function rollupUpsert(table: RollupTable, entries: readonly RollupEntry[]): { text: string; values: unknown[] } {
  const columns = [
    ['bucket_start', 'BIGINT'],
    ['dims', 'TEXT'],
    ...dimensionColumnsOf(table.shape).map((column) => [column.name, postgresType(column.kind)]),
    ...storedMeasureColumnsOf(table.shape).map((column) => [column.name, postgresType(column.kind)]),
  ];
  return {
    text: `INSERT INTO ${table.name} (${columns.map(([name]) => name).join(', ')})
    SELECT * FROM unnest(${columns.map(([, type], index) => `$${index + 1}::${type}[]`).join(', ')})
    ON CONFLICT (bucket_start, dims) DO UPDATE SET ${mergeAssignments(postgresRollupSyntax, table, 'EXCLUDED')}`,
    values: keyedArrays(table, entries),
  };
}

/**
 * The rollup tables as one transaction's connection sees them. The mark is read as `markLock` says: plain
 * in a read-only snapshot, `FOR SHARE` in a usage batch (every instance's batches at once; compaction waits),
 * `FOR UPDATE` in a compaction step (one at a time; batches wait).
 */
class PostgresRollupTables implements RollupTablesWriter {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly markLock: '' | ' FOR SHARE' | ' FOR UPDATE',
  ) {}

  *#query(text: string, values?: unknown[]): StoreWork<pg.QueryResult<Row>> {
    return yield* awaited(this.client.query<Row>(text, values));
  }

  *mark(): StoreWork<number> {
    const { rows } = yield* this.#query(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1${this.markLock}`);
    return Number(rows[0]!.compacted_until);
  }

  *minuteBounds(from: number): StoreWork<{ first: number | undefined; latest: number | undefined }> {
    const minutes = rollupTables.minute.packs;
    const { rows } = yield* this.#query(
      `SELECT (SELECT min(bucket_start) FROM ${minutes} WHERE bucket_start >= $1) AS first, (SELECT max(bucket_start) FROM ${minutes}) AS latest`,
      [from],
    );
    const bucket = (value: unknown) => (value === null ? undefined : Number(value));
    return { first: bucket(rows[0]!.first), latest: bucket(rows[0]!.latest) };
  }

  *packCount(table: PackedTableName, range: BucketRange): StoreWork<number> {
    const { rows } = yield* this.#query(`SELECT count(*) AS packs FROM ${rollupTables[table].packs} WHERE bucket_start >= $1 AND bucket_start < $2`, [range.from, range.to]);
    return Number(rows[0]!.packs);
  }

  *bucketsWithPacks(source: PackedTableName, granularity: 'hour' | 'day', range: BucketRange): StoreWork<number[]> {
    const { rows } = yield* this.#query(
      `SELECT DISTINCT bucket_start - (bucket_start % $1) AS bucket FROM ${rollupTables[source].packs} WHERE bucket_start >= $2 AND bucket_start < $3 ORDER BY bucket`,
      [rollupBucketMs[granularity], range.from, range.to],
    );
    return rows.map((row) => Number(row.bucket));
  }

  *summedPacks(table: PackedTableName, range: BucketRange): StoreWork<Map<string, FullMeasures>> {
    return yield* awaited(summedPacks(this.client, table, range));
  }

  *appendPacks(table: PackedTableName, packs: readonly BucketSums[]): StoreWork<void> {
    if (packs.length === 0) return;
    const append = packsAppend(table, packs);
    yield* this.#query(append.text, append.values);
  }

  *upsertNarrow(name: CompactedTableName, entries: readonly RollupEntry[]): StoreWork<void> {
    const upsert = rollupUpsert(rollupTables[name], entries);
    yield* this.#query(upsert.text, upsert.values);
  }

  *moveMark(target: number): StoreWork<void> {
    yield* this.#query(`UPDATE ${rollupStateTable} SET compacted_until = $1 WHERE id = 1`, [target]);
  }
}

/** The rollups of the PostgreSQL store: what its usage batches add, and compaction (compaction-loop.ts) through this port. */
export class PostgresRollups implements RollupTablesPort {
  readonly #narrowShapeRows = new NarrowShapeRows(narrowHourShapes);

  constructor(private readonly database: PostgresDatabase) {}

  *reading<Result>(work: (tables: RollupTablesReader) => StoreWork<Result>): StoreWork<Result> {
    return yield* awaited(
      this.database.transaction((client) => doAwaiting(work(new PostgresRollupTables(client, ''))), 'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY'),
    );
  }

  *writing<Result>(work: (tables: RollupTablesWriter) => StoreWork<Result>): StoreWork<Result> {
    return yield* awaited(this.database.transaction((client) => doAwaiting(work(new PostgresRollupTables(client, ' FOR UPDATE')))));
  }

  /**
   * Stores a batch with `insert` (which answers with the ids it stored) and adds only those rows to the
   * rollups (a retried batch adds nothing), in one transaction: the rollups always sum exactly the rows
   * stored. With `compactWithBatches`, a batch that passes an hour then compacts up to it.
   */
  async recordBatch(insert: { text: string; values: unknown[] }, rows: readonly UsageRow[], compactWithBatches: boolean): Promise<void> {
    let mark = 0;
    let latest = 0;
    await this.database.transaction(async (client) => {
      const stored = await client.query<Row>(insert.text, insert.values);
      const storedIds = new Set(stored.rows.map((row) => String(row.id)));
      const fresh = storedIds.size === rows.length ? rows : rows.filter((row) => storedIds.has(row.id));
      if (fresh.length === 0) return;
      ({ mark, latest } = await doAwaiting(addBatch(new PostgresRollupTables(client, ' FOR SHARE'), fresh)));
    });
    const target = compactionTarget(latest);
    if (!compactWithBatches || target <= mark) return;
    await this.database.transaction((client) => doAwaiting(compactTo(new PostgresRollupTables(client, ' FOR UPDATE'), target, this.#narrowShapeRows)));
  }

  /**
   * Compacts every hour that is due (compaction-loop.ts). Each step is read in a read-only snapshot, without
   * the mark's row, which every instance's batches hold `FOR SHARE`, and written holding it `FOR UPDATE`.
   * One instance's compactor works at a time (a session advisory lock, let go at the end of the pass or with
   * its connection): the others would work out the same steps only to find them written. Resolves with the mark.
   */
  async compactDueSteps(): Promise<number> {
    let holder: pg.PoolClient;
    try {
      holder = await this.database.pool.connect();
    } catch (error) {
      throw toStoreError(error);
    }
    let healthy = true;
    try {
      const { rows } = await holder.query<Row>('SELECT pg_try_advisory_lock($1) AS locked', [compactorLockKey]);
      if (rows[0]!.locked !== true) return await this.compactedUntil();
      try {
        return await doAwaiting(compactDueSteps(this, this.#narrowShapeRows));
      } finally {
        await holder.query('SELECT pg_advisory_unlock($1)', [compactorLockKey]);
      }
    } catch (error) {
      healthy = false;
      throw toStoreError(error);
    } finally {
      // After a failure the connection is discarded, not given back: its session lock goes with it, whether
      // or not the unlock above ran.
      holder.release(!healthy);
    }
  }

  async compactedUntil(): Promise<number> {
    return Number((await this.database.query(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1`)).rows[0]!.compacted_until);
  }
}
