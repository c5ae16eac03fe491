import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { PostgresDatabase } from '../../src/store/postgres/postgres-database.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { compactDueSteps } from '../../src/store/rollups/compaction-loop.js';
import { NarrowShapeRows, type FullMeasures } from '../../src/store/rollups/bucket-sums.js';
import { PostgresRollups } from '../../src/store/rollups/postgres/postgres-rollup-tables.js';
import { narrowHourShapes, type PackedTableName } from '../../src/store/rollups/rollup-columns.js';
import type { RollupTablesPort, RollupTablesReader, RollupTablesWriter } from '../../src/store/rollups/rollup-tables-port.js';
import { SqliteRollupTables } from '../../src/store/rollups/sqlite/sqlite-rollup-tables.js';
import { awaited, doAwaiting, doNow, done, type StoreWork } from '../../src/store/rollups/store-work.js';
import { openSqliteDatabase } from '../../src/store/sqlite/sqlite-database.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { testUsageRow } from '../helpers/usage-rows.js';

/**
 * The compaction loop (store/rollups/compaction-loop.ts) is written once; each backend only implements its
 * port. This suite drives the one loop through each backend's port, on SQLite and the real PostgreSQL.
 */
const directory = await mkdtemp(join(tmpdir(), 'sluice-compaction-loop-'));

/** A store for writing rows (its batches leave compaction apart) and, on a connection of its own, its rollup tables' port. */
interface Opened {
  store: Store;
  port: RollupTablesPort;
  /** Drives the loop's work as the backend does: at once (SQLite) or awaiting each query (PostgreSQL). */
  run<Result>(work: StoreWork<Result>): Promise<Result>;
  /** Work that writes rows through the store: in the port's terms, so it can run between two of its transactions. */
  writeRows(rows: UsageRow[]): StoreWork<void>;
  close(): Promise<void>;
}

interface Backend {
  name: string;
  open(): Promise<Opened>;
}

const backends: Backend[] = [
  {
    name: 'sqlite',
    async open() {
      const path = join(directory, `${Math.random().toString(36).slice(2)}.db`);
      const store = new SqliteStore(path, { compactWithBatches: false });
      const database = openSqliteDatabase(path);
      return {
        store,
        port: new SqliteRollupTables(database),
        run: async (work) => doNow(work),
        // better-sqlite3 writes as it is called: the batch is stored once recordUsage returns its promise.
        writeRows: (rows) => done(void store.recordUsage(rows)),
        async close() {
          database.close();
          await store.close();
        },
      };
    },
  },
];
const postgresDatabases: Array<{ drop(): Promise<void> }> = [];
const probe = await createTestDatabase();
if ('url' in probe) {
  postgresDatabases.push(probe);
  backends.push({
    name: 'postgres',
    async open() {
      const created = await createTestDatabase();
      if (!('url' in created)) throw new Error(created.skipReason);
      postgresDatabases.push(created);
      const store = await PostgresStore.open(created.url, { compactWithBatches: false });
      const pool = new pg.Pool({ connectionString: created.url, max: 4 });
      return {
        store,
        port: new PostgresRollups(new PostgresDatabase(pool)),
        run: (work) => doAwaiting(work),
        writeRows: (rows) => awaited(store.recordUsage(rows)),
        async close() {
          await pool.end();
          await store.close();
        },
      };
    },
  });
} else console.warn(`[compaction loop contract] skipping PostgreSQL: ${probe.skipReason}`);

afterAll(async () => {
  for (const database of postgresDatabases) await database.drop();
  await rm(directory, { recursive: true, force: true });
});

const minute = 60_000;
const hour = 60 * minute;
const day = 24 * hour;
/** A midnight well in the past: every hour of it is due. */
const midnight = Date.UTC(2026, 0, 10);

/** Calls summed in a packed table's range, read through the port. */
function* callsIn(port: RollupTablesPort, table: PackedTableName, from: number, to: number): StoreWork<number> {
  const sums: Map<string, FullMeasures> = yield* port.reading((tables) => tables.summedPacks(table, { from, to }));
  let calls = 0;
  for (const measures of sums.values()) calls += measures[0]!;
  return calls;
}

/** Counts the port's read and write transactions; `beforeFirstWrite` runs once, just before the first write. */
function counted(port: RollupTablesPort, beforeFirstWrite?: () => StoreWork<void>): RollupTablesPort & { readings: number; writings: number } {
  let first = true;
  const wrapper = {
    readings: 0,
    writings: 0,
    *reading<Result>(work: (tables: RollupTablesReader) => StoreWork<Result>): StoreWork<Result> {
      wrapper.readings++;
      return yield* port.reading(work);
    },
    *writing<Result>(work: (tables: RollupTablesWriter) => StoreWork<Result>): StoreWork<Result> {
      wrapper.writings++;
      if (first && beforeFirstWrite) yield* beforeFirstWrite();
      first = false;
      return yield* port.writing(work);
    },
  };
  return wrapper;
}

/** Rows of one test: three in the first hour, two five hours later, one after midnight, and the latest (its hour not yet due). */
function rowsOfADay(): UsageRow[] {
  return [
    testUsageRow('row-a', { createdAt: midnight + 5 * minute }),
    testUsageRow('row-b', { createdAt: midnight + 20 * minute, userName: 'ada' }),
    testUsageRow('row-c', { createdAt: midnight + 40 * minute, outcome: 'error', statusCode: 500 }),
    testUsageRow('row-d', { createdAt: midnight + 5 * hour + minute }),
    testUsageRow('row-e', { createdAt: midnight + 5 * hour + 2 * minute, tags: ['batch'] }),
    testUsageRow('row-f', { createdAt: midnight + day + hour + minute }),
    testUsageRow('row-latest', { createdAt: midnight + day + 3 * hour + minute }),
  ];
}

describe.each(backends)('the compaction loop through the $name port', (backend) => {
  it('compacts every due hour a step at a time, and the day the mark passes, counting every row once', async () => {
    const opened = await backend.open();
    try {
      await opened.store.recordUsage(rowsOfADay());
      const port = counted(opened.port);
      const mark = await opened.run(compactDueSteps(port, new NarrowShapeRows(narrowHourShapes)));
      // Up to the latest row's hour, which is still in progress as far as the rows go.
      expect(mark).toBe(midnight + day + 3 * hour);
      expect(await opened.store.rollupsCompactedUntil()).toBe(mark);
      // A step per hour holding minutes (three, the third passing midnight), one more up to the hour in progress
      // (it holds no minutes), each read then written; and a last read that finds nothing due.
      expect({ readings: port.readings, writings: port.writings }).toEqual({ readings: 5, writings: 4 });
      expect(await opened.run(callsIn(opened.port, 'hour', midnight, midnight + hour))).toBe(3);
      expect(await opened.run(callsIn(opened.port, 'hour', midnight + 5 * hour, midnight + 6 * hour))).toBe(2);
      expect(await opened.run(callsIn(opened.port, 'hour', midnight + day, midnight + 2 * day))).toBe(1);
      expect(await opened.run(callsIn(opened.port, 'day', midnight, midnight + day))).toBe(5);
      // The day after has not ended: no day pack yet.
      expect(await opened.run(callsIn(opened.port, 'day', midnight + day, midnight + 2 * day))).toBe(0);
      // The narrow tables got their rows (upserted through the port).
      const spendHours = await opened.store.aggregateRollups({ table: 'hourSpend', from: midnight, to: midnight + 2 * day, filters: {}, by: [] });
      expect(spendHours.map((group) => group.measures.calls)).toEqual([6]);
      const users = await opened.store.aggregateRollups({ table: 'dayIdentity', from: midnight, to: midnight + day, filters: {}, by: ['user'] });
      expect(new Map(users.map((group) => [group.values.user, group.measures.calls]))).toEqual(new Map([[null, 4], ['ada', 1]]));
      // Nothing more is due: a second pass reads once and moves nothing.
      const again = counted(opened.port);
      expect(await opened.run(compactDueSteps(again, new NarrowShapeRows(narrowHourShapes)))).toBe(mark);
      expect({ readings: again.readings, writings: again.writings }).toEqual({ readings: 1, writings: 0 });
    } finally {
      await opened.close();
    }
  });

  it('reads a step again when a row arrived in its hour after it was read, so the row is counted once', async () => {
    const opened = await backend.open();
    try {
      await opened.store.recordUsage(rowsOfADay());
      // Another writer stores a row into the first hour between the step's read and its write.
      const port = counted(opened.port, () => opened.writeRows([testUsageRow('row-arrived', { createdAt: midnight + 50 * minute })]));
      const mark = await opened.run(compactDueSteps(port, new NarrowShapeRows(narrowHourShapes)));
      expect(mark).toBe(midnight + day + 3 * hour);
      // The first write found the plan stale and wrote nothing: one read and one write more than without the row.
      expect({ readings: port.readings, writings: port.writings }).toEqual({ readings: 6, writings: 5 });
      expect(await opened.run(callsIn(opened.port, 'hour', midnight, midnight + hour))).toBe(4);
      expect(await opened.run(callsIn(opened.port, 'day', midnight, midnight + day))).toBe(6);
      const spendDay = await opened.store.aggregateRollups({ table: 'daySpend', from: midnight, to: midnight + day, filters: {}, by: [] });
      expect(spendDay.map((group) => group.measures.calls)).toEqual([6]);
    } finally {
      await opened.close();
    }
  });
});
