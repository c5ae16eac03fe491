import { histogramBucketExpressions, rollupBucketMs, rollupDimensionColumns, rollupGranularities, rollupMeasureColumns, rollupTables, type RollupGranularity } from './rollup-columns.js';
import type { ColumnDescription } from './usage-columns.js';

/** Minute rollups are kept this long (hour and day rollups cover older windows); the back-fill writes no older ones. */
export const minuteRollupRetentionMs = 3 * 86_400_000;

/** How one database spells the parts of the rollup migration that differ. */
export interface RollupSyntax {
  columnDefinition(column: ColumnDescription<string>, use: 'create' | 'add'): string;
  measureType: Record<'big-integer' | 'real', string>;
  /** After the closing parenthesis of CREATE TABLE. */
  tableSuffix: string;
  /** The dimensions' key from their column list, as one text. */
  dimsKey(columns: string): string;
  /** A `usage_rows` row's tags deduplicated and sorted, as JSON text. */
  canonicalTags: string;
  isTrue(column: string): string;
  /** Now, in epoch ms. */
  nowMs: string;
}

/** The three rollup tables: keyed by bucket and dimensions, measures that start at zero. */
export function rollupTableSql(syntax: RollupSyntax): string {
  return rollupGranularities
    .map((granularity) => {
      const columns = [
        `bucket_start ${syntax.measureType['big-integer']} NOT NULL`,
        'dims TEXT NOT NULL',
        ...rollupDimensionColumns.map((column) => syntax.columnDefinition(column, 'create')),
        ...rollupMeasureColumns.map((column) => `${column.name} ${syntax.measureType[column.kind]} NOT NULL DEFAULT 0`),
        'PRIMARY KEY (bucket_start, dims)',
      ];
      return `CREATE TABLE ${rollupTables[granularity]} (\n    ${columns.join(',\n    ')}\n  )${syntax.tableSuffix};`;
    })
    .join('\n  ');
}

/** Fills the rollup tables from `usage_rows` (run once, when they are created). */
export function rollupBackfillSql(syntax: RollupSyntax): string {
  return rollupGranularities.map((granularity) => backfillStatement(syntax, granularity)).join('\n  ');
}

function backfillStatement(syntax: RollupSyntax, granularity: RollupGranularity): string {
  const size = rollupBucketMs[granularity];
  const dimensionNames = rollupDimensionColumns.map((column) => column.name);
  const source = `SELECT created_at - (created_at % ${size}) AS bucket_start, created_at, key_id, user_name, team_name, requester, provider,
      COALESCE(upstream_model, requested_model) AS model, group_name, inbound_dialect, ${syntax.canonicalTags} AS tags,
      outcome, status_code, error_code, cached, input_tokens, output_tokens, cache_read_tokens, cache_write_tokens,
      reasoning_tokens, cost_usd, saved_cost_usd, latency_ms, time_to_first_byte_ms
    FROM usage_rows${granularity === 'minute' ? ` WHERE created_at >= ${syntax.nowMs} - ${minuteRollupRetentionMs}` : ''}`;
  const measures = [
    'COUNT(*)',
    'SUM(input_tokens)',
    'SUM(output_tokens)',
    'SUM(cache_read_tokens)',
    'SUM(cache_write_tokens)',
    'SUM(reasoning_tokens)',
    'COALESCE(SUM(cost_usd), 0)',
    `COALESCE(SUM(CASE WHEN ${syntax.isTrue('cached')} THEN saved_cost_usd END), 0)`,
    'MAX(created_at)',
    ...histogramBucketExpressions('latency_ms'),
    ...histogramBucketExpressions('time_to_first_byte_ms'),
  ];
  if (measures.length !== rollupMeasureColumns.length) throw new Error('rollup back-fill out of step with the measure columns');
  return `INSERT INTO ${rollupTables[granularity]} (bucket_start, dims, ${dimensionNames.join(', ')}, ${rollupMeasureColumns.map((column) => column.name).join(', ')})
    SELECT bucket_start, ${syntax.dimsKey(dimensionNames.join(', '))}, ${dimensionNames.join(', ')}, ${measures.join(', ')}
    FROM (${source}) AS source
    GROUP BY bucket_start, ${dimensionNames.join(', ')};`;
}
