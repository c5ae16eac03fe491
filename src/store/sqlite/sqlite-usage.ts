import type Database from 'better-sqlite3';
import type { AttemptRecord } from '../../domain/attempt-record.js';
import type { UsageRow } from '../../domain/usage-row.js';
import { attemptTrailsByUsageId } from '../attempt-trails-by-usage-id.js';
import type { SqliteRollupTables } from '../rollups/sqlite/sqlite-rollup-tables.js';
import type { UsageSummaryOptions, UsageSummaryRow, UsageTotals, UsageTotalsOptions } from '../../domain/usage-summary.js';
import type { UsageStore } from '../store.js';
import { usageTotalsColumns } from '../usage-totals-columns.js';
import { attemptColumns, decodeRecord, usageColumns, type ColumnKind } from '../usage-columns.js';
import { guarded } from './sqlite-database.js';
import { fromSqliteValue, toSqliteValue } from './sqlite-columns.js';
import { usageGroupingColumns } from '../usage-grouping-columns.js';

const usageInsert = `INSERT INTO usage_rows (${usageColumns.map((column) => column.name).join(', ')})
  VALUES (${usageColumns.map(() => '?').join(', ')}) ON CONFLICT (id) DO NOTHING`;

const attemptInsert = `INSERT INTO usage_attempts (usage_id, attempt_index, ${attemptColumns.map((column) => column.name).join(', ')})
  VALUES (?, ?, ${attemptColumns.map(() => '?').join(', ')}) ON CONFLICT (usage_id, attempt_index) DO NOTHING`;

/**
 * The JSON a `json` column stores for an object, kept per object: a batch's rows share the price list's rate
 * objects (one per model), which are never changed once made, so each is spelt once, not once a row.
 */
const jsonTexts = new WeakMap<object, string>();

/** A value as its column stores it: `toSqliteValue`, with the two JSON kinds' commonest cases spelt without JSON.stringify. */
function storedValue(kind: ColumnKind, value: unknown): unknown {
  if (kind === 'string-list' && Array.isArray(value) && value.length === 0) return '[]';
  if (kind === 'json' && typeof value === 'object' && value !== null) {
    let text = jsonTexts.get(value);
    if (text === undefined) {
      text = JSON.stringify(value);
      jsonTexts.set(value, text);
    }
    return text;
  }
  return toSqliteValue(kind, value);
}

/** Usage rows and their attempt trails in the SQLite file, written with their minute rollups. */
export class SqliteUsage implements UsageStore {
  readonly #database: Database.Database;
  readonly #insertUsage: Database.Statement;
  readonly #insertAttempt: Database.Statement;

  /** `rollups` undefined: rows are written without rollups (the benchmark's baseline). */
  constructor(
    database: Database.Database,
    private readonly rollups: SqliteRollupTables | undefined,
    private readonly compactWithBatches: boolean,
  ) {
    this.#database = database;
    this.#insertUsage = database.prepare(usageInsert);
    this.#insertAttempt = database.prepare(attemptInsert);
  }

  async recordUsage(rows: readonly UsageRow[]): Promise<void> {
    return guarded(() => {
      if (rows.length === 0) return;
      // A row, its attempts and its rollups in one transaction: a reader never sees a row without its
      // trail, and the rollups always sum exactly the rows stored.
      if (this.rollups) this.rollups.recordBatch(() => this.#insertRows(rows), this.compactWithBatches);
      else this.#database.transaction(() => this.#insertRows(rows)).immediate();
    });
  }

  /** Inserts rows and their attempts; the rows stored (a row stored before, by a retried batch, keeps the attempts stored with it, and is not counted twice). */
  #insertRows(rows: readonly UsageRow[]): UsageRow[] {
    const stored: UsageRow[] = [];
    // One array of parameters each, filled again for every row (the statement binds them at once).
    const usageValues = new Array<unknown>(usageColumns.length);
    const attemptValues = new Array<unknown>(attemptColumns.length + 2);
    for (const row of rows) {
      for (let index = 0; index < usageColumns.length; index++) usageValues[index] = storedValue(usageColumns[index]!.kind, row[usageColumns[index]!.field]);
      if (this.#insertUsage.run(usageValues).changes === 0) continue;
      stored.push(row);
      const trail = row.attemptTrail;
      for (let index = 0; index < trail.length; index++) {
        const attempt = trail[index]!;
        attemptValues[0] = row.id;
        attemptValues[1] = index;
        for (let column = 0; column < attemptColumns.length; column++) attemptValues[column + 2] = toSqliteValue(attemptColumns[column]!.kind, attempt[attemptColumns[column]!.field]);
        this.#insertAttempt.run(attemptValues);
      }
    }
    return stored;
  }

  async usageTotals(options: UsageTotalsOptions): Promise<UsageTotals> {
    return guarded(() => {
      const column = usageTotalsColumns[options.scope];
      const row = this.#database
        .prepare(
          `SELECT COUNT(*) AS requests, COALESCE(SUM(input_tokens), 0) AS input_tokens, COALESCE(SUM(output_tokens), 0) AS output_tokens,
                  COALESCE(SUM(cost_usd), 0) AS cost_usd, COALESCE(SUM(billed_cost_usd), 0) AS billed_cost_usd,
                  COALESCE(SUM(COALESCE(billed_cost_usd, cost_usd)), 0) AS cost_preferring_billed_usd
           FROM usage_rows WHERE ${column} = ? AND created_at >= ?${options.group === undefined ? '' : ' AND group_name = ?'}`,
        )
        .get(...(options.group === undefined ? [options.subject, options.since] : [options.subject, options.since, options.group])) as {
        requests: number;
        input_tokens: number;
        output_tokens: number;
        cost_usd: number;
        billed_cost_usd: number;
        cost_preferring_billed_usd: number;
      };
      return {
        requests: row.requests,
        inputTokens: row.input_tokens,
        outputTokens: row.output_tokens,
        costUsd: row.cost_usd,
        billedCostUsd: row.billed_cost_usd,
        costPreferringBilledUsd: row.cost_preferring_billed_usd,
      };
    });
  }

  async summarizeUsage(options: UsageSummaryOptions): Promise<UsageSummaryRow[]> {
    return guarded(() => {
      const group = usageGroupingColumns[options.by];
      const rows = this.#database
        .prepare(
          `SELECT ${group} AS grouping, COUNT(*) AS requests,
                  SUM(CASE WHEN u.outcome = 'error' THEN 1 ELSE 0 END) AS errors,
                  SUM(u.input_tokens) AS input_tokens, SUM(u.output_tokens) AS output_tokens,
                  SUM(u.cache_read_tokens) AS cache_read_tokens, SUM(u.cache_write_tokens) AS cache_write_tokens,
                  SUM(u.cost_usd) AS cost_usd
           FROM usage_rows u LEFT JOIN gateway_keys k ON k.id = u.key_id
           WHERE u.created_at >= ?${options.requester === undefined ? '' : ' AND u.requester = ?'}
           GROUP BY grouping ORDER BY COALESCE(SUM(u.cost_usd), 0) DESC, requests DESC`,
        )
        .all(...(options.requester === undefined ? [options.since] : [options.since, options.requester])) as Array<{
        grouping: string | null;
        requests: number;
        errors: number;
        input_tokens: number;
        output_tokens: number;
        cache_read_tokens: number;
        cache_write_tokens: number;
        cost_usd: number | null;
      }>;
      return rows.map((row) => ({
        group: row.grouping,
        requests: row.requests,
        errors: row.errors,
        inputTokens: row.input_tokens,
        outputTokens: row.output_tokens,
        cacheReadTokens: row.cache_read_tokens,
        cacheWriteTokens: row.cache_write_tokens,
        costUsd: row.cost_usd,
      }));
    });
  }

  async recentUsage(options: { limit: number }): Promise<UsageRow[]> {
    return guarded(() => {
      const rows = this.#database.prepare('SELECT * FROM usage_rows ORDER BY id DESC LIMIT ?').all(options.limit) as Array<Record<string, unknown>>;
      // A row's attempts are committed with it, so every row read above has its trail here.
      const attempts = this.#database
        .prepare(
          `SELECT * FROM usage_attempts WHERE usage_id IN (SELECT id FROM usage_rows ORDER BY id DESC LIMIT ?)
           ORDER BY usage_id, attempt_index`,
        )
        .all(options.limit) as Array<Record<string, unknown>>;
      const trails = attemptTrailsByUsageId(attempts, fromSqliteValue);
      return rows.map((row) => toUsageRow(row, trails));
    });
  }

  async usageAttempts(usageId: string): Promise<AttemptRecord[]> {
    return guarded(() => {
      const rows = this.#database
        .prepare('SELECT * FROM usage_attempts WHERE usage_id = ? ORDER BY attempt_index')
        .all(usageId) as Array<Record<string, unknown>>;
      return rows.map((row) => decodeRecord(attemptColumns, row, fromSqliteValue) as unknown as AttemptRecord);
    });
  }
}

/** A stored row, with its attempt trail from `trails`. */
export function toUsageRow(row: Readonly<Record<string, unknown>>, trails: ReadonlyMap<string, AttemptRecord[]>): UsageRow {
  const usage = decodeRecord(usageColumns, row, fromSqliteValue) as unknown as UsageRow;
  usage.attemptTrail = trails.get(usage.id) ?? [];
  return usage;
}
