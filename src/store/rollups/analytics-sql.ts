import { rollupDimensionColumn, type AnalyticsFilters, type RollupGroup, type RollupQuery, type UsageLogQuery } from '../analytics-store.js';
import { latencyHistogramColumns, overheadHistogramColumns, rollupTables, throughputHistogramColumns, ttfbHistogramColumns } from './rollup-columns.js';

/** What differs between the two databases in the analytics statements. */
export interface AnalyticsSqlDialect {
  /** The text of the n-th (1-based) parameter: `?` or `$n`. */
  parameter(index: number): string;
  /** True when the JSON list of strings in `column` holds the parameter. */
  listContains(column: string, parameter: string): string;
  /** The boolean column as a condition. */
  isTrue(column: string): string;
}

/** Collects parameters and hands out their placeholders in order. */
class Parameters {
  readonly values: unknown[] = [];
  constructor(private readonly dialect: AnalyticsSqlDialect) {}
  add(value: unknown): string {
    this.values.push(value);
    return this.dialect.parameter(this.values.length);
  }
}

/** Filter columns of the rollup tables and of `usage_rows`; the served model is a column of its own only in rollups. */
const rollupFilterColumns: Record<Exclude<keyof AnalyticsFilters, 'tag'>, string> = {
  key: 'key_id',
  user: 'user_name',
  team: 'team_name',
  model: 'model',
  provider: 'provider',
  group: 'group_name',
  requester: 'requester',
};
const rowFilterColumns: Record<Exclude<keyof AnalyticsFilters, 'tag'>, string> = {
  ...rollupFilterColumns,
  model: 'COALESCE(upstream_model, requested_model)',
};

function filterConditions(filters: AnalyticsFilters, columns: Record<Exclude<keyof AnalyticsFilters, 'tag'>, string>, parameters: Parameters, dialect: AnalyticsSqlDialect): string[] {
  const conditions: string[] = [];
  for (const name of Object.keys(columns) as Array<keyof typeof columns>) {
    const value = filters[name];
    if (value !== undefined) conditions.push(`${columns[name]} = ${parameters.add(value)}`);
  }
  if (filters.tag !== undefined) conditions.push(dialect.listContains('tags', parameters.add(filters.tag)));
  return conditions;
}

const measureSelections = [
  'SUM(calls) AS calls',
  'SUM(errors) AS errors',
  'SUM(cancelled) AS cancelled',
  'SUM(input_tokens) AS input_tokens',
  'SUM(output_tokens) AS output_tokens',
  'SUM(cache_read_tokens) AS cache_read_tokens',
  'SUM(cache_write_tokens) AS cache_write_tokens',
  'SUM(reasoning_tokens) AS reasoning_tokens',
  'SUM(cost_usd) AS cost_usd',
  'SUM(saved_usd) AS saved_usd',
  'SUM(cache_hits) AS cache_hits',
  'MAX(last_at) AS last_at',
  'SUM(attempts) AS attempts',
  'SUM(retries) AS retries',
  'SUM(fallbacks) AS fallbacks',
  'SUM(upstream_ms) AS upstream_ms',
  'SUM(billed_cost_usd) AS billed_cost_usd',
  'SUM(billed_calls) AS billed_calls',
];

const histogramColumns = [...latencyHistogramColumns, ...ttfbHistogramColumns, ...overheadHistogramColumns, ...throughputHistogramColumns];

/** One rollup table's sums over a window, grouped as asked. */
export function rollupAggregateStatement(query: RollupQuery, dialect: AnalyticsSqlDialect): { text: string; values: unknown[] } {
  const parameters = new Parameters(dialect);
  const selections: string[] = [];
  query.by.forEach((dimension, index) => selections.push(`${rollupDimensionColumn[dimension]} AS d${index}`));
  if (query.bucketMs !== undefined) {
    // Bucket starts are epoch multiples of the bucket size: UTC-aligned.
    const size = parameters.add(query.bucketMs);
    selections.push(`bucket_start - (bucket_start % ${size}) AS bucket`);
  }
  const groupCount = selections.length;
  selections.push(...measureSelections);
  if (query.histograms) selections.push(...histogramColumns.map((column) => `SUM(${column}) AS ${column}`));
  const conditions = [`bucket_start >= ${parameters.add(query.from)}`, `bucket_start < ${parameters.add(query.to)}`, ...filterConditions(query.filters, rollupFilterColumns, parameters, dialect)];
  const groupBy = groupCount === 0 ? '' : ` GROUP BY ${Array.from({ length: groupCount }, (_unused, index) => index + 1).join(', ')}`;
  return {
    text: `SELECT ${selections.join(', ')} FROM ${rollupTables[query.table].name} WHERE ${conditions.join(' AND ')}${groupBy}`,
    values: parameters.values,
  };
}

/** Reads back a row of `rollupAggregateStatement`; undefined for the empty total of a window without calls. */
export function toRollupGroup(row: Readonly<Record<string, unknown>>, query: RollupQuery): RollupGroup | undefined {
  if (row.calls === null || row.calls === undefined || Number(row.calls) === 0) return undefined;
  const values: RollupGroup['values'] = {};
  query.by.forEach((dimension, index) => {
    const value = row[`d${index}`];
    if (value === null || value === undefined) values[dimension] = null;
    else if (dimension === 'cached') values[dimension] = value === true || value === 1;
    else if (dimension === 'status_code') values[dimension] = Number(value);
    else values[dimension] = String(value);
  });
  const group: RollupGroup = {
    values,
    measures: {
      calls: Number(row.calls),
      errors: Number(row.errors),
      cancelled: Number(row.cancelled),
      inputTokens: Number(row.input_tokens),
      outputTokens: Number(row.output_tokens),
      cacheReadTokens: Number(row.cache_read_tokens),
      cacheWriteTokens: Number(row.cache_write_tokens),
      reasoningTokens: Number(row.reasoning_tokens),
      costUsd: Number(row.cost_usd),
      savedUsd: Number(row.saved_usd),
      cacheHits: Number(row.cache_hits),
      lastAt: Number(row.last_at),
      attempts: Number(row.attempts),
      retries: Number(row.retries),
      fallbacks: Number(row.fallbacks),
      upstreamMs: Number(row.upstream_ms),
      billedCostUsd: Number(row.billed_cost_usd),
      billedCalls: Number(row.billed_calls),
    },
  };
  if (query.bucketMs !== undefined) group.bucketStart = Number(row.bucket);
  if (query.histograms) {
    group.latencyHistogram = latencyHistogramColumns.map((column) => Number(row[column]));
    group.ttfbHistogram = ttfbHistogramColumns.map((column) => Number(row[column]));
    group.overheadHistogram = overheadHistogramColumns.map((column) => Number(row[column]));
    group.throughputHistogram = throughputHistogramColumns.map((column) => Number(row[column]));
  }
  return group;
}

/** The request log's page: newest first, by the `(created_at, id)` index, continuing after a cursor. */
export function usageLogStatement(query: UsageLogQuery, dialect: AnalyticsSqlDialect): { text: string; values: unknown[] } {
  const parameters = new Parameters(dialect);
  const conditions = [`created_at >= ${parameters.add(query.from)}`, `created_at < ${parameters.add(query.to)}`, ...filterConditions(query.filters, rowFilterColumns, parameters, dialect)];
  if (query.outcome !== undefined) conditions.push(`outcome = ${parameters.add(query.outcome)}`);
  if (query.cached !== undefined) conditions.push(query.cached ? dialect.isTrue('cached') : `NOT ${dialect.isTrue('cached')}`);
  if (query.statusCode !== undefined) conditions.push(`status_code = ${parameters.add(query.statusCode)}`);
  if (query.after !== undefined) {
    const createdAt = parameters.add(query.after.createdAt);
    conditions.push(`(created_at < ${createdAt} OR (created_at = ${parameters.add(query.after.createdAt)} AND id < ${parameters.add(query.after.id)}))`);
  }
  return {
    text: `SELECT * FROM usage_rows WHERE ${conditions.join(' AND ')} ORDER BY created_at DESC, id DESC LIMIT ${parameters.add(query.limit)}`,
    values: parameters.values,
  };
}
