import {
  dimensionColumnsOf,
  histogramBucketExpressions,
  measureColumnsOf,
  rollupBucketMs,
  storedMeasureColumnsOf,
  rollupTables,
  type CompactedTableName,
  type RollupMeasureColumn,
  type RollupTable,
  writtenTableOf,
} from './rollup-columns.js';
import type { ColumnDescription } from '../usage-columns.js';

/** Minute rollups are kept this long (hour and day rollups cover older windows); the back-fill writes no older ones. */
export const minuteRollupRetentionMs = 3 * 86_400_000;

/** How one database spells the parts of the rollup statements that differ. */
export interface RollupSyntax {
  columnDefinition(column: ColumnDescription<string>, use: 'create' | 'add'): string;
  measureType: Record<'big-integer' | 'real', string>;
  /**
   * The minute table's own columns and key: appended to, never updated, so no lookup by dimensions.
   * SQLite clusters it by (bucket_start, seq); PostgreSQL indexes bucket_start.
   */
  minuteTable: { columns: string[]; constraints: string[]; suffix: string; after: string[] };
  /** What a back-fill writes in the minute table's extra columns (from `source_rowid`, a row's rowid). */
  minuteExtraValues: string[];
  /** After the closing parenthesis of the keyed tables' CREATE TABLE. */
  keyedSuffix: string;
  /** The dimensions' key from their column list, as one text. */
  dimensionsKey(columns: string): string;
  /** A `usage_rows` row's tags deduplicated and sorted, as JSON text. */
  canonicalTags: string;
  /** An expression unique per `usage_rows` row, for `minuteExtraValues`. */
  rowIdentity: string;
  isTrue(column: string): string;
  /** The larger of two values. */
  greatest: string;
  /** Now, in epoch ms. */
  nowMs: string;
}

/**
 * The compacted tables the first rollup migration created and back-filled. Released: later tables are
 * added by later migrations (rollup-dimensions-migration.ts), so this list never grows.
 */
const firstCompactedTables: readonly CompactedTableName[] = ['hour', 'hourSpend', 'day', 'daySpend'];

/** The compacted-until mark: hour and day rollups hold every row before it, minute rollups every row from it. */
export const rollupStateTable = 'usage_rollup_state';

/** The rollup tables and the compaction mark. */
export function rollupTableSql(syntax: RollupSyntax): string {
  const statements: string[] = [];
  const minute = rollupTables.minute;
  statements.push(
    `CREATE TABLE ${minute.name} (\n    ${[
      `bucket_start ${syntax.measureType['big-integer']} NOT NULL`,
      ...syntax.minuteTable.columns,
      ...dimensionColumnsOf(minute.shape).map((column) => syntax.columnDefinition(column, 'create')),
      ...measureColumnsOf(minute.shape).map((column) => measureDefinition(syntax, column)),
      ...syntax.minuteTable.constraints,
    ].join(',\n    ')}\n  )${syntax.minuteTable.suffix};`,
    ...syntax.minuteTable.after,
  );
  for (const name of firstCompactedTables) {
    const table = rollupTables[name];
    const columns = [
      `bucket_start ${syntax.measureType['big-integer']} NOT NULL`,
      'dims TEXT NOT NULL',
      ...dimensionColumnsOf(table.shape).map((column) => syntax.columnDefinition(column, 'create')),
      ...measureColumnsOf(table.shape).map((column) => measureDefinition(syntax, column)),
      'PRIMARY KEY (bucket_start, dims)',
    ];
    statements.push(`CREATE TABLE ${table.name} (\n    ${columns.join(',\n    ')}\n  )${syntax.keyedSuffix};`);
  }
  statements.push(`CREATE TABLE ${rollupStateTable} (id INTEGER PRIMARY KEY CHECK (id = 1), compacted_until ${syntax.measureType['big-integer']} NOT NULL);`);
  return statements.join('\n  ');
}

function measureDefinition(syntax: RollupSyntax, column: RollupMeasureColumn): string {
  return `${column.name} ${syntax.measureType[column.kind]} NOT NULL DEFAULT 0`;
}

/** Each measure summed from `usage_rows` columns. */
function rowMeasureExpressions(syntax: RollupSyntax): Map<string, string> {
  const expressions = new Map<string, string>([
    ['calls', 'COUNT(*)'],
    ['errors', `SUM(CASE WHEN outcome = 'error' THEN 1 ELSE 0 END)`],
    ['cancelled', `SUM(CASE WHEN outcome = 'cancelled' THEN 1 ELSE 0 END)`],
    ['cache_hits', `SUM(CASE WHEN ${syntax.isTrue('cached')} THEN 1 ELSE 0 END)`],
    ['input_tokens', 'SUM(input_tokens)'],
    ['output_tokens', 'SUM(output_tokens)'],
    ['cache_read_tokens', 'SUM(cache_read_tokens)'],
    ['cache_write_tokens', 'SUM(cache_write_tokens)'],
    ['reasoning_tokens', 'SUM(reasoning_tokens)'],
    ['cost_usd', 'COALESCE(SUM(cost_usd), 0)'],
    ['saved_usd', `COALESCE(SUM(CASE WHEN ${syntax.isTrue('cached')} THEN saved_cost_usd END), 0)`],
    ['last_at', 'MAX(created_at)'],
  ]);
  const latency = histogramBucketExpressions('latency_ms');
  const ttfb = histogramBucketExpressions('time_to_first_byte_ms');
  latency.forEach((expression, index) => expressions.set(`latency_h${String(index).padStart(2, '0')}`, expression));
  ttfb.forEach((expression, index) => expressions.set(`ttfb_h${String(index).padStart(2, '0')}`, expression));
  return expressions;
}

/** `usage_rows` with the rollup dimensions computed, bucketed by `size`. */
function rowSource(syntax: RollupSyntax, size: number, condition: string): string {
  return `SELECT created_at - (created_at % ${size}) AS bucket_start, ${syntax.rowIdentity} AS source_rowid, created_at, key_id, user_name, team_name, requester, provider,
      COALESCE(upstream_model, requested_model) AS model, group_name, inbound_dialect, ${syntax.canonicalTags} AS tags,
      outcome, status_code, error_code, cached, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
      reasoning_tokens, cost_usd, saved_cost_usd, latency_ms, time_to_first_byte_ms
    FROM usage_rows WHERE ${condition}`;
}

/**
 * Fills the rollups from `usage_rows` (once, when they are created): hours before the mark, days before
 * its midnight, minutes from the mark and of the retained days.
 */
export function rollupBackfillSql(syntax: RollupSyntax): string {
  const measures = rowMeasureExpressions(syntax);
  // The mark starts at the hour of the latest row (0 without rows): hours and days hold what came before it.
  const latest = '(SELECT MAX(created_at) FROM usage_rows)';
  const statements = [`INSERT INTO ${rollupStateTable} (id, compacted_until) VALUES (1, COALESCE(${latest} - (${latest} % ${rollupBucketMs.hour}), 0));`];
  const minute = rollupTables.minute;
  const minuteDimensions = dimensionColumnsOf(minute.shape).map((column) => column.name);
  const minuteMeasures = measureColumnsOf(minute.shape);
  statements.push(`INSERT INTO ${minute.name} (bucket_start, ${[...syntax.minuteTable.columns.map((column) => column.split(' ')[0]!), ...minuteDimensions, ...minuteMeasures.map((column) => column.name)].join(', ')})
    SELECT bucket_start, ${[...syntax.minuteExtraValues, ...minuteDimensions, ...minuteMeasures.map((column) => measures.get(column.name)!)].join(', ')}
    FROM (${rowSource(syntax, rollupBucketMs.minute, `created_at >= (SELECT compacted_until FROM ${rollupStateTable}) OR created_at >= ${syntax.nowMs} - ${minuteRollupRetentionMs}`)}) AS source
    GROUP BY bucket_start, ${minuteDimensions.join(', ')};`);
  for (const name of firstCompactedTables) {
    const table = rollupTables[name];
    const dimensions = dimensionColumnsOf(table.shape).map((column) => column.name);
    const tableMeasures = measureColumnsOf(table.shape);
    // Hours hold what came before the mark, days what came before its midnight (`compactedEdge`).
    const size = rollupBucketMs[table.granularity];
    const edge = `((SELECT compacted_until FROM ${rollupStateTable}) - ((SELECT compacted_until FROM ${rollupStateTable}) % ${size}))`;
    statements.push(`INSERT INTO ${table.name} (bucket_start, dims, ${[...dimensions, ...tableMeasures.map((column) => column.name)].join(', ')})
    SELECT bucket_start, ${syntax.dimensionsKey(dimensions.join(', '))}, ${[...dimensions, ...tableMeasures.map((column) => measures.get(column.name)!)].join(', ')}
    FROM (${rowSource(syntax, rollupBucketMs[table.granularity], `created_at < ${edge}`)}) AS source
    GROUP BY bucket_start, ${dimensions.join(', ')};`);
  }
  return statements.join('\n  ');
}

/** `x = x + excluded.x` (or the larger, for `last_at`) for every measure a table holds now. */
export function mergeAssignments(syntax: RollupSyntax, table: RollupTable, excluded: string): string {
  const written = writtenTableOf(table);
  return storedMeasureColumnsOf(table.shape)
    .map((column) => (column.merge === 'max' ? `${column.name} = ${syntax.greatest}(${written}.${column.name}, ${excluded}.${column.name})` : `${column.name} = ${written}.${column.name} + ${excluded}.${column.name}`))
    .join(', ');
}
