import type Database from 'better-sqlite3';
import type { UsageRow } from '../../domain/usage-row.js';
import type { AnalyticsStore, PruneTarget, RollupGroup, RollupQuery, UsageLogQuery } from '../analytics-store.js';
import { attemptTrailsByUsageId } from '../attempt-trails-by-usage-id.js';
import { rollupAggregateStatement, toRollupGroup, usageLogStatement, type AnalyticsSqlDialect } from '../rollups/analytics-sql.js';
import { BucketSumsAggregation } from '../rollups/bucket-sums.js';
import { compactedTablesOf, rollupTables, type RollupTable } from '../rollups/rollup-columns.js';
import { rollupStateTable } from '../rollups/rollup-migration.js';
import { firstPackKey } from '../rollups/sqlite/bucket-sums-key.js';
import { MinuteSumsCache } from '../rollups/sqlite/minute-sums-cache.js';
import { joinedPerBucket, packsInRange } from '../rollups/sqlite/sqlite-bucket-sums-sql.js';
import type { SqliteRollupTables } from '../rollups/sqlite/sqlite-rollup-tables.js';
import { guarded } from './sqlite-database.js';
import { fromSqliteValue } from './sqlite-columns.js';
import { toUsageRow } from './sqlite-usage.js';

const sqliteAnalyticsDialect: AnalyticsSqlDialect = {
  parameter: () => '?',
  listContains: (column, parameter) => `EXISTS (SELECT 1 FROM json_each(${column}) WHERE json_each.value = ${parameter})`,
  isTrue: (column) => `${column} = 1`,
};

/** Which rows a retention pass deletes from, oldest first, by their time column (hours and days: both shapes). */
const pruneStatements: Record<PruneTarget, string[]> = {
  rows: ['DELETE FROM usage_rows WHERE rowid IN (SELECT rowid FROM usage_rows WHERE created_at < ? ORDER BY created_at LIMIT ?)'],
  // Minutes not yet compacted into hours stay, however old.
  minute: [
    `DELETE FROM ${rollupTables.minute.packs} WHERE key IN (SELECT key FROM ${rollupTables.minute.packs}
    WHERE key < ${firstPackKey(`min(?, (SELECT compacted_until FROM ${rollupStateTable}))`)} ORDER BY key LIMIT ?)`,
  ],
  hour: compactedTablesOf('hour').map(prunedKeyed),
  day: compactedTablesOf('day').map(prunedKeyed),
};

function prunedKeyed(table: RollupTable): string {
  if (table.packs) return `DELETE FROM ${table.packs} WHERE key IN (SELECT key FROM ${table.packs} WHERE key < ${firstPackKey('?')} ORDER BY key LIMIT ?)`;
  return `DELETE FROM ${table.name} WHERE (bucket_start, dims) IN (SELECT bucket_start, dims FROM ${table.name} WHERE bucket_start < ? ORDER BY bucket_start LIMIT ?)`;
}

/** The analytics reads of the SQLite file (rollups, the request log), compaction and retention. */
export class SqliteAnalytics implements AnalyticsStore {
  readonly #database: Database.Database;
  readonly #minutePacks: MinuteSumsCache;

  /** `rollups` undefined: a store that keeps none (the benchmark's baseline) has nothing to compact. */
  constructor(
    database: Database.Database,
    private readonly rollups: SqliteRollupTables | undefined,
  ) {
    this.#database = database;
    this.#minutePacks = new MinuteSumsCache(database);
  }

  async aggregateRollups(query: RollupQuery): Promise<RollupGroup[]> {
    return guarded(() => {
      const packs = (rollupTables[query.table] as RollupTable).packs;
      if (query.table === 'minute') {
        const aggregation = new BucketSumsAggregation(query);
        for (const [bucketStart, entries] of this.#minutePacks.minutes(query.from, query.to)) aggregation.addEntries(bucketStart, entries);
        return aggregation.result();
      }
      if (packs) {
        const aggregation = new BucketSumsAggregation(query);
        const rows = this.#database.prepare(packsInRange(packs)).raw().iterate(query.from, query.to) as IterableIterator<[number, string]>;
        for (const pack of joinedPerBucket(rows)) aggregation.add(pack);
        return aggregation.result();
      }
      const statement = rollupAggregateStatement(query, sqliteAnalyticsDialect);
      const rows = this.#database.prepare(statement.text).all(...statement.values) as Array<Record<string, unknown>>;
      return rows.flatMap((row) => toRollupGroup(row, query) ?? []);
    });
  }

  /** See compaction-loop.ts: each step read in a read transaction, written in a short write transaction if it still holds. */
  async compactRollups(): Promise<number> {
    return guarded(() => this.rollups?.compactDueSteps() ?? 0);
  }

  async rollupsCompactedUntil(): Promise<number> {
    return guarded(() => (this.#database.prepare(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1`).get() as { compacted_until: number }).compacted_until);
  }

  async listUsage(query: UsageLogQuery): Promise<UsageRow[]> {
    return guarded(() => {
      const statement = usageLogStatement(query, sqliteAnalyticsDialect);
      const rows = this.#database.prepare(statement.text).all(...statement.values) as Array<Record<string, unknown>>;
      return rows.map((row) => toUsageRow(row, new Map()));
    });
  }

  async usageRow(id: string): Promise<UsageRow | undefined> {
    return guarded(() => {
      const row = this.#database.prepare('SELECT * FROM usage_rows WHERE id = ?').get(id) as Record<string, unknown> | undefined;
      if (!row) return undefined;
      const attempts = this.#database.prepare('SELECT * FROM usage_attempts WHERE usage_id = ? ORDER BY attempt_index').all(id) as Array<Record<string, unknown>>;
      return toUsageRow(row, attemptTrailsByUsageId(attempts, fromSqliteValue));
    });
  }

  async pruneUsage(options: { target: PruneTarget; before: number; limit: number }): Promise<number> {
    return guarded(() =>
      this.#database.transaction(() => {
        let deleted = 0;
        for (const statement of pruneStatements[options.target]) deleted += this.#database.prepare(statement).run(options.before, options.limit).changes;
        return deleted;
      })(),
    );
  }
}
