import type { AttemptRecord } from '../../domain/attempt-record.js';
import type { UsageRow } from '../../domain/usage-row.js';
import { attemptTrailsByUsageId } from '../attempt-trails-by-usage-id.js';
import type { PostgresRollups } from '../rollups/postgres/postgres-rollup-tables.js';
import type { UsageSummaryOptions, UsageSummaryRow, UsageTotals, UsageTotalsOptions } from '../../domain/usage-summary.js';
import type { UsageStore } from '../store.js';
import { usageTotalsColumns } from '../usage-totals-columns.js';
import { attemptColumns, decodeRecord, encodeColumns, usageColumns } from '../usage-columns.js';
import type { PostgresDatabase, Row } from './postgres-database.js';
import { fromPostgresValue, postgresType, toPostgresValue } from './postgres-columns.js';
import { postgresArrayLiteral } from './postgres-array-literal.js';
import { usageGroupingColumns } from '../usage-grouping-columns.js';

/**
 * A batch goes in as one array per column, expanded by `unnest`: the statement and its 44 parameters stay
 * the same whatever the batch size (a tuple per row passed 17,000 parameters for 500 rows, PostgreSQL stops
 * at 65,535, and parsing them was most of the cost: 500 rows now take ~14 ms instead of ~23, or ~23 with an
 * attempt each). Not a named prepared statement: PgBouncer in transaction mode loses those. Rows and their
 * attempts are one statement, so they commit together; attempts go in only for the rows this statement
 * stored, so a retried batch (after a lost answer) writes neither twice. The attempts' foreign key is
 * checked at the end of the statement, once the rows are in.
 */
const usageColumnNames = usageColumns.map((column) => column.name).join(', ');
const usageArrays = usageColumns.map((column, index) => `$${index + 1}::${postgresType(column.kind)}[]`).join(', ');
const insertUsage = `INSERT INTO usage_rows (${usageColumnNames}) SELECT * FROM unnest(${usageArrays}) ON CONFLICT (id) DO NOTHING`;
const attemptColumnNames = ['usage_id', 'attempt_index', ...attemptColumns.map((column) => column.name)].join(', ');
const attemptArrays = ['text', 'integer', ...attemptColumns.map((column) => postgresType(column.kind))]
  .map((type, index) => `$${usageColumns.length + index + 1}::${type}[]`)
  .join(', ');
const insertUsageAndAttempts = `WITH stored_rows AS (${insertUsage} RETURNING id),
  stored_attempts AS (INSERT INTO usage_attempts (${attemptColumnNames})
    SELECT * FROM unnest(${attemptArrays}) AS attempt (${attemptColumnNames})
    WHERE attempt.usage_id IN (SELECT id FROM stored_rows)
    ON CONFLICT (usage_id, attempt_index) DO NOTHING)
  SELECT id FROM stored_rows`;

/** Usage rows and their attempt trails in PostgreSQL, written with their minute rollups. */
export class PostgresUsage implements UsageStore {
  /** `rollups` undefined: rows are written without rollups (the benchmark's baseline). */
  constructor(
    private readonly database: PostgresDatabase,
    private readonly rollups: PostgresRollups | undefined,
    private readonly compactWithBatches: boolean,
  ) {}

  async recordUsage(rows: readonly UsageRow[]): Promise<void> {
    if (rows.length === 0) return;
    const usageIds: string[] = [];
    const attemptIndexes: number[] = [];
    const attempts: AttemptRecord[] = [];
    for (const row of rows) {
      const trail = row.attemptTrail;
      for (let index = 0; index < trail.length; index++) {
        usageIds.push(row.id);
        attemptIndexes.push(index);
        attempts.push(trail[index]!);
      }
    }
    // Each column as one array literal, spelt here (see postgres-array-literal.ts).
    const usageValues = encodeColumns(usageColumns, rows, toPostgresValue).map(postgresArrayLiteral);
    const insert =
      attempts.length === 0
        ? { text: `${insertUsage} RETURNING id`, values: usageValues }
        : {
            text: insertUsageAndAttempts,
            values: [...usageValues, ...[usageIds, attemptIndexes, ...encodeColumns(attemptColumns, attempts, toPostgresValue)].map(postgresArrayLiteral)],
          };
    if (this.rollups) await this.rollups.recordBatch(insert, rows, this.compactWithBatches);
    else await this.database.query(insert.text, insert.values);
  }

  async usageTotals(options: UsageTotalsOptions): Promise<UsageTotals> {
    const column = usageTotalsColumns[options.scope];
    const result = await this.database.query(
      `SELECT COUNT(*) AS requests, COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
              COALESCE(SUM(cost_usd), 0) AS cost_usd, COALESCE(SUM(billed_cost_usd), 0) AS billed_cost_usd,
              COALESCE(SUM(COALESCE(billed_cost_usd, cost_usd)), 0) AS cost_preferring_billed_usd
       FROM usage_rows WHERE ${column} = $1 AND created_at >= $2${options.group === undefined ? '' : ' AND group_name = $3'}`,
      options.group === undefined ? [options.subject, options.since] : [options.subject, options.since, options.group],
    );
    const row = result.rows[0] as Row;
    return {
      requests: Number(row.requests),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      costUsd: Number(row.cost_usd),
      billedCostUsd: Number(row.billed_cost_usd),
      costPreferringBilledUsd: Number(row.cost_preferring_billed_usd),
    };
  }

  async summarizeUsage(options: UsageSummaryOptions): Promise<UsageSummaryRow[]> {
    const group = usageGroupingColumns[options.by];
    const result = await this.database.query(
      `SELECT ${group} AS grouping, COUNT(*) AS requests, SUM(CASE WHEN u.outcome = 'error' THEN 1 ELSE 0 END) AS errors,
              SUM(u.input_tokens) AS input_tokens, SUM(u.output_tokens) AS output_tokens,
              SUM(u.cache_read_tokens) AS cache_read_tokens, SUM(u.cache_write_tokens) AS cache_write_tokens, SUM(u.cost_usd) AS cost_usd
       FROM usage_rows u LEFT JOIN gateway_keys k ON k.id = u.key_id
       WHERE u.created_at >= $1${options.requester === undefined ? '' : ' AND u.requester = $2'}
       GROUP BY 1 ORDER BY COALESCE(SUM(u.cost_usd), 0) DESC, COUNT(*) DESC`,
      options.requester === undefined ? [options.since] : [options.since, options.requester],
    );
    return result.rows.map((row: Row) => ({
      group: row.grouping === null ? null : String(row.grouping),
      requests: Number(row.requests),
      errors: Number(row.errors),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cacheReadTokens: Number(row.cache_read_tokens),
      cacheWriteTokens: Number(row.cache_write_tokens),
      costUsd: row.cost_usd === null ? null : Number(row.cost_usd),
    }));
  }

  async recentUsage(options: { limit: number }): Promise<UsageRow[]> {
    const result = await this.database.query('SELECT * FROM usage_rows ORDER BY id DESC LIMIT $1', [options.limit]);
    if (result.rows.length === 0) return [];
    // A row's attempts are committed with it, so every row read above has its trail here.
    const attempts = await this.database.query('SELECT * FROM usage_attempts WHERE usage_id = ANY($1::text[]) ORDER BY usage_id, attempt_index', [
      result.rows.map((row) => row.id),
    ]);
    const trails = attemptTrailsByUsageId(attempts.rows, fromPostgresValue);
    return result.rows.map((row) => {
      const usage = decodeRecord(usageColumns, row, fromPostgresValue) as unknown as UsageRow;
      usage.attemptTrail = trails.get(usage.id) ?? [];
      return usage;
    });
  }

  async usageAttempts(usageId: string): Promise<AttemptRecord[]> {
    return usageAttemptsOf(this.database, usageId);
  }
}

/** The attempts of one call, in the order they were made. */
export async function usageAttemptsOf(database: PostgresDatabase, usageId: string): Promise<AttemptRecord[]> {
  const result = await database.query('SELECT * FROM usage_attempts WHERE usage_id = $1 ORDER BY attempt_index', [usageId]);
  return result.rows.map((row) => decodeRecord(attemptColumns, row, fromPostgresValue) as unknown as AttemptRecord);
}
