import type Database from 'better-sqlite3';
import type { UsageRow } from '../../../domain/usage-row.js';
import { toSqliteValue } from '../../sqlite/sqlite-columns.js';
import { sqliteRollupSyntax } from '../../sqlite/migrations.js';
import { addBucketSums, NarrowShapeRows, type FullMeasures, type BucketSums } from '../bucket-sums.js';
import { addBatch, compactDueSteps, compactTo } from '../compaction-loop.js';
import { compactionTarget, type RollupEntry } from '../rollup-batch.js';
import {
  compactedTables,
  dimensionColumnsOf,
  narrowHourShapes,
  rollupBucketMs,
  rollupTables,
  storedMeasureColumnsOf,
  type CompactedTableName,
  type PackedTableName,
  type RollupTable,
} from '../rollup-columns.js';
import { mergeAssignments, rollupStateTable } from '../rollup-migration.js';
import type { BucketRange, RollupTablesPort, RollupTablesReader, RollupTablesWriter } from '../rollup-tables-port.js';
import { doNow, done, type StoreWork } from '../store-work.js';
import { bucketOfPackKey, firstPackKey } from './bucket-sums-key.js';
import { joinedPerBucket, packAppend, packsInRange } from './sqlite-bucket-sums-sql.js';

/** Adds sums to a narrow hour or day rollup row (compaction, and rows that arrive after their hour was compacted). */
const rollupUpsert = (table: RollupTable) => {
  const columns = ['bucket_start', 'dims', ...dimensionColumnsOf(table.shape).map((column) => column.name), ...storedMeasureColumnsOf(table.shape).map((column) => column.name)];
  return `INSERT INTO ${table.name} (${columns.join(', ')}) VALUES (${columns.map(() => '?').join(', ')})
  ON CONFLICT (bucket_start, dims) DO UPDATE SET ${mergeAssignments(sqliteRollupSyntax, table, 'excluded')}`;
};

/** The values of a narrow shape's entry in its column order. */
function entryValues(table: RollupTable, entry: RollupEntry): unknown[] {
  const values: unknown[] = [entry.bucketStart, entry.dimensionsKey];
  for (const column of dimensionColumnsOf(table.shape)) values.push(toSqliteValue(column.kind, entry.dimensions[column.field]));
  for (const measure of entry.measures) values.push(measure);
  return values;
}

const packedTables: readonly PackedTableName[] = ['minute', 'hour', 'day'];

/** The compaction mark and the `data_version` it was read or written at. */
interface KnownMark {
  value: number;
  dataVersion: number;
}

/** Rollup statements prepared once per store. */
interface RollupStatements {
  appendPack: Record<PackedTableName, Database.Statement>;
  readPacks: Record<PackedTableName, Database.Statement>;
  packBuckets: Record<PackedTableName, Database.Statement>;
  countPacks: Record<PackedTableName, Database.Statement>;
  upsert: Partial<Record<CompactedTableName, Database.Statement>>;
  readMark: Database.Statement;
  /** The bucket of the first minute pack at or after a time, and of the latest one (NULL when none). */
  firstMinuteFrom: Database.Statement;
  latestMinute: Database.Statement;
  dataVersion: Database.Statement;
  writeMark: Database.Statement;
}

function prepareStatements(database: Database.Database): RollupStatements {
  const upsert: RollupStatements['upsert'] = {};
  for (const name of compactedTables) {
    if (rollupTables[name].shape === 'full') continue;
    upsert[name] = database.prepare(rollupUpsert(rollupTables[name]));
  }
  const perPackedTable = (sql: (packs: string) => string, raw = false) =>
    Object.fromEntries(
      packedTables.map((name) => {
        const statement = database.prepare(sql(rollupTables[name].packs));
        return [name, raw ? statement.raw() : statement];
      }),
    ) as Record<PackedTableName, Database.Statement>;
  return {
    appendPack: perPackedTable(packAppend),
    readPacks: perPackedTable((packs) => packsInRange(packs), true),
    packBuckets: perPackedTable(
      (packs) =>
        `SELECT DISTINCT ${bucketOfPackKey('key')} - (${bucketOfPackKey('key')} % ?) AS bucket FROM ${packs} WHERE key >= ${firstPackKey('?')} AND key < ${firstPackKey('?')} ORDER BY bucket`,
    ),
    countPacks: perPackedTable((packs) => `SELECT count(*) AS packs FROM ${packs} WHERE key >= ${firstPackKey('?')} AND key < ${firstPackKey('?')}`),
    upsert,
    readMark: database.prepare(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1`),
    firstMinuteFrom: database.prepare(`SELECT ${bucketOfPackKey('min(key)')} FROM ${rollupTables.minute.packs} WHERE key >= ${firstPackKey('?')}`).pluck(),
    latestMinute: database.prepare(`SELECT ${bucketOfPackKey('max(key)')} FROM ${rollupTables.minute.packs}`).pluck(),
    dataVersion: database.prepare('PRAGMA data_version').pluck(),
    writeMark: database.prepare(`UPDATE ${rollupStateTable} SET compacted_until = ? WHERE id = 1`),
  };
}

/**
 * The rollup tables of the SQLite file, as compaction-loop.ts reads and writes them (its port). better-sqlite3
 * is synchronous: every read and write here answers at once (`done`), and the loop's work runs inside one
 * of its transactions (`doNow`).
 */
export class SqliteRollupTables implements RollupTablesPort, RollupTablesWriter {
  readonly #database: Database.Database;
  readonly #statements: RollupStatements;
  readonly #narrowShapeRows = new NarrowShapeRows(narrowHourShapes);
  /** The compaction mark as of this connection's last commit (see `mark`). */
  #knownMark: KnownMark | undefined;
  /** The mark as read or moved in the transaction under way: known once it commits. */
  #markInTransaction: KnownMark | undefined;

  constructor(database: Database.Database) {
    this.#database = database;
    this.#statements = prepareStatements(database);
  }

  /**
   * Runs `insertRows` (which stores a batch's rows and returns those it stored) and adds what it stored to
   * the rollups, in one immediate transaction (the mark read must not move before it ends): the rollups
   * always sum exactly the rows stored. With `compactWithBatches`, a batch that passes an hour compacts the
   * minutes before it into hours and days and moves the mark.
   */
  recordBatch(insertRows: () => readonly UsageRow[], compactWithBatches: boolean): void {
    this.#transaction('immediate', () => {
      const stored = insertRows();
      if (stored.length === 0) return;
      const { mark, latest } = doNow(addBatch(this, stored));
      const target = compactionTarget(latest);
      if (compactWithBatches && target > mark) doNow(compactTo(this, target, this.#narrowShapeRows));
    });
  }

  /** Compacts every hour that is due (compaction-loop.ts); the mark. */
  compactDueSteps(): number {
    return doNow(compactDueSteps(this, this.#narrowShapeRows));
  }

  reading<Result>(work: (tables: RollupTablesReader) => StoreWork<Result>): StoreWork<Result> {
    return done(this.#transaction('deferred', () => doNow(work(this))));
  }

  writing<Result>(work: (tables: RollupTablesWriter) => StoreWork<Result>): StoreWork<Result> {
    return done(this.#transaction('immediate', () => doNow(work(this))));
  }

  /** Runs `work` in a transaction; the mark it read or moved is known once it has committed (a rolled-back one must not leave its mark behind). */
  #transaction<Result>(kind: 'deferred' | 'immediate', work: () => Result): Result {
    this.#markInTransaction = undefined;
    const result = this.#database.transaction(work)[kind]();
    if (this.#markInTransaction) this.#knownMark = this.#markInTransaction;
    return result;
  }

  /**
   * The compaction mark. Remembered with the file's `data_version`, which stays the same until another
   * connection commits: while it does, no one else can have moved the mark, and a batch reads one table
   * fewer (at one row a batch, the writer's usual size, a couple of percent of its time).
   */
  mark(): StoreWork<number> {
    const dataVersion = this.#statements.dataVersion.get() as number;
    const known = this.#knownMark?.dataVersion === dataVersion ? this.#knownMark : { value: (this.#statements.readMark.get() as { compacted_until: number }).compacted_until, dataVersion };
    this.#markInTransaction = known;
    return done(known.value);
  }

  minuteBounds(from: number): StoreWork<{ first: number | undefined; latest: number | undefined }> {
    const first = this.#statements.firstMinuteFrom.get(from) as number | null;
    const latest = this.#statements.latestMinute.get() as number | null;
    return done({ first: first ?? undefined, latest: latest ?? undefined });
  }

  packCount(table: PackedTableName, range: BucketRange): StoreWork<number> {
    return done((this.#statements.countPacks[table].get(range.from, range.to) as { packs: number }).packs);
  }

  bucketsWithPacks(source: PackedTableName, granularity: 'hour' | 'day', range: BucketRange): StoreWork<number[]> {
    const rows = this.#statements.packBuckets[source].all(rollupBucketMs[granularity], range.from, range.to) as Array<{ bucket: number }>;
    return done(rows.map((row) => row.bucket));
  }

  summedPacks(table: PackedTableName, range: BucketRange): StoreWork<Map<string, FullMeasures>> {
    const sums = new Map<string, FullMeasures>();
    for (const pack of joinedPerBucket(this.#statements.readPacks[table].iterate(range.from, range.to) as IterableIterator<[number, string]>)) addBucketSums(pack.sums, sums);
    return done(sums);
  }

  appendPacks(table: PackedTableName, packs: readonly BucketSums[]): StoreWork<void> {
    for (const pack of packs) this.#statements.appendPack[table].run({ bucket: pack.bucketStart, sums: pack.sums });
    return done(undefined);
  }

  upsertNarrow(name: CompactedTableName, entries: readonly RollupEntry[]): StoreWork<void> {
    const table: RollupTable = rollupTables[name];
    for (const entry of entries) this.#statements.upsert[name]!.run(entryValues(table, entry));
    return done(undefined);
  }

  moveMark(target: number): StoreWork<void> {
    this.#statements.writeMark.run(target);
    this.#markInTransaction = { value: target, dataVersion: this.#statements.dataVersion.get() as number };
    return done(undefined);
  }
}
