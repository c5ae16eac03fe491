import type { UsageRow } from '../../domain/usage-row.js';
import type { AnalyticsStore, PruneTarget, RollupGroup, RollupQuery, UsageLogQuery } from '../analytics-store.js';
import { rollupAggregateStatement, toRollupGroup, usageLogStatement, type AnalyticsSqlDialect } from '../rollups/analytics-sql.js';
import { BucketSumsAggregation } from '../rollups/bucket-sums.js';
import { eachPackPage } from '../rollups/postgres/postgres-bucket-sums-sql.js';
import type { PostgresRollups } from '../rollups/postgres/postgres-rollup-tables.js';
import { compactedTablesOf, rollupTables, writtenTableOf, type PackedTableName, type RollupTable } from '../rollups/rollup-columns.js';
import { rollupStateTable } from '../rollups/rollup-migration.js';
import { decodeRecord, usageColumns } from '../usage-columns.js';
import type { PostgresDatabase } from './postgres-database.js';
import { fromPostgresValue } from './postgres-columns.js';
import { usageAttemptsOf } from './postgres-usage.js';

const postgresAnalyticsDialect: AnalyticsSqlDialect = {
  parameter: (index) => `$${index}`,
  listContains: (column, parameter) => `${column}::jsonb ? ${parameter}`,
  isTrue: (column) => column,
};

/** Which rows a retention pass deletes from, oldest first, by their time column (hours and days: both shapes). */
const pruneStatements: Record<PruneTarget, string[]> = {
  rows: ['DELETE FROM usage_rows WHERE id IN (SELECT id FROM usage_rows WHERE created_at < $1 ORDER BY created_at LIMIT $2)'],
  // Minutes not yet compacted into hours stay, however old.
  minute: [
    `DELETE FROM ${rollupTables.minute.packs} WHERE ctid IN (SELECT ctid FROM ${rollupTables.minute.packs}
    WHERE bucket_start < LEAST($1, (SELECT compacted_until FROM ${rollupStateTable})) ORDER BY bucket_start LIMIT $2)`,
  ],
  hour: compactedTablesOf('hour').map(prunedKeyed),
  day: compactedTablesOf('day').map(prunedKeyed),
};

function prunedKeyed(table: RollupTable): string {
  const written = writtenTableOf(table);
  const key = table.packs ? 'seq' : 'dims';
  return `DELETE FROM ${written} WHERE (bucket_start, ${key}) IN (SELECT bucket_start, ${key} FROM ${written} WHERE bucket_start < $1 ORDER BY bucket_start LIMIT $2)`;
}

/** The analytics reads of PostgreSQL (rollups, the request log), compaction and retention. */
export class PostgresAnalytics implements AnalyticsStore {
  /** `rollups` undefined: a store that keeps none (the benchmark's baseline) has nothing to compact. */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly rollups: PostgresRollups | undefined,
  ) {}

  async aggregateRollups(query: RollupQuery): Promise<RollupGroup[]> {
    const table: RollupTable = rollupTables[query.table];
    if (table.packs) {
      const aggregation = new BucketSumsAggregation(query);
      await eachPackPage((page) => this.database.query(page.text, page.values), query.table as PackedTableName, query.from, query.to, (page) => {
        for (const pack of page) aggregation.add(pack);
      });
      return aggregation.result();
    }
    const statement = rollupAggregateStatement(query, postgresAnalyticsDialect);
    const result = await this.database.query(statement.text, statement.values);
    return result.rows.flatMap((row) => toRollupGroup(row, query) ?? []);
  }

  /** See compaction-loop.ts and `PostgresRollups.compactDueSteps`. */
  async compactRollups(): Promise<number> {
    return this.rollups ? this.rollups.compactDueSteps() : 0;
  }

  async rollupsCompactedUntil(): Promise<number> {
    return Number((await this.database.query(`SELECT compacted_until FROM ${rollupStateTable} WHERE id = 1`)).rows[0]!.compacted_until);
  }

  async listUsage(query: UsageLogQuery): Promise<UsageRow[]> {
    const statement = usageLogStatement(query, postgresAnalyticsDialect);
    const result = await this.database.query(statement.text, statement.values);
    return result.rows.map((row) => ({ ...(decodeRecord(usageColumns, row, fromPostgresValue) as unknown as UsageRow), attemptTrail: [] }));
  }

  async usageRow(id: string): Promise<UsageRow | undefined> {
    const result = await this.database.query('SELECT * FROM usage_rows WHERE id = $1', [id]);
    const row = result.rows[0];
    if (!row) return undefined;
    const usage = decodeRecord(usageColumns, row, fromPostgresValue) as unknown as UsageRow;
    usage.attemptTrail = await usageAttemptsOf(this.database, id);
    return usage;
  }

  async pruneUsage(options: { target: PruneTarget; before: number; limit: number }): Promise<number> {
    let deleted = 0;
    await this.database.transaction(async (client) => {
      for (const statement of pruneStatements[options.target]) deleted += (await client.query(statement, [options.before, options.limit])).rowCount ?? 0;
    });
    return deleted;
  }
}
