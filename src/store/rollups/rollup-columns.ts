import type { ColumnDescription } from '../usage-columns.js';

/**
 * Usage rollups: the usage rows summed per time bucket and per combination of the dimensions below, so
 * analytics never scan raw rows. Minute rollups are written in the same transaction as the rows (packed,
 * see bucket-sums.ts) and kept a few days (short windows, the unaligned edges of longer ones, the hour in
 * progress); hour and day rollups, kept `usage.retainRollupDays`, are compacted from them (the stores'
 * compaction steps, see compaction-plan.ts).
 *
 * Like `usageColumns`, these lists are append-only: the migrations are generated from them.
 */
export type RollupGranularity = 'minute' | 'hour' | 'day';

export const rollupBucketMs: Record<RollupGranularity, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };

/** Coarsest first: a window is covered by as few rollup rows as possible. */
export const rollupGranularities: readonly RollupGranularity[] = ['day', 'hour', 'minute'];

/**
 * Which dimensions a rollup table keeps. `full` keeps them all (activity, tags, requesters, status codes);
 * `spend` only who and what (key, user, team, provider, model, inbound API), so the reports on spend per
 * identity and model read a few hundred rows a day whatever the traffic: requesters and tag lists, which
 * come from callers, would otherwise make a rollup nearly as large as the rows it sums. `identity` (key,
 * user, team) and `model` (provider, model) are narrower still, for the reports a dashboard opens on (spend
 * by model, by team, by user): tens of rows a day where `spend` holds their product, about a thousand a day
 * on a busy gateway, which made a 30-day report read some 60,000 rows. `activity` keeps the histograms and
 * status and error codes per identity and model, without requesters, tags, groups and APIs: the activity
 * report reads a few hundred rows an hour instead of one per row and hour.
 */
export type RollupShape = 'full' | 'spend' | 'identity' | 'model' | 'activity' | 'routing';

export interface RollupTable {
  /** What readers query (narrow shapes); for the full shape, the name migrations 9–12 gave its table or view. */
  name: string;
  granularity: RollupGranularity;
  shape: RollupShape;
  /**
   * Full shape only: where its sums are kept, packed (see bucket-sums.ts): rows of `(bucket_start, seq,
   * sums)`, one per bucket and write.
   */
  packs?: string;
  /**
   * Full shape, released migrations 11–12 only: the table their sums were kept in, keyed by `(bucket_start,
   * dims_id)`; migration 13 packed them into `packs` and dropped it.
   */
  sums?: string;
}

/**
 * Minutes are appended with every batch of rows (in its transaction); hours and days are compacted from
 * them once an hour has passed (see `usage_rollup_state` and compaction-plan.ts), in every shape.
 */
export const rollupTables = {
  minute: { name: 'usage_rollup_minute', granularity: 'minute', shape: 'full', packs: 'usage_minute_packs', sums: 'usage_minute_sums' },
  hour: { name: 'usage_rollup_hour', granularity: 'hour', shape: 'full', packs: 'usage_hour_packs', sums: 'usage_hour_sums' },
  day: { name: 'usage_rollup_day', granularity: 'day', shape: 'full', packs: 'usage_day_packs', sums: 'usage_day_sums' },
  hourSpend: { name: 'usage_rollup_hour_spend', granularity: 'hour', shape: 'spend' },
  daySpend: { name: 'usage_rollup_day_spend', granularity: 'day', shape: 'spend' },
  hourIdentity: { name: 'usage_rollup_hour_identity', granularity: 'hour', shape: 'identity' },
  dayIdentity: { name: 'usage_rollup_day_identity', granularity: 'day', shape: 'identity' },
  hourModel: { name: 'usage_rollup_hour_model', granularity: 'hour', shape: 'model' },
  dayModel: { name: 'usage_rollup_day_model', granularity: 'day', shape: 'model' },
  hourActivity: { name: 'usage_rollup_hour_activity', granularity: 'hour', shape: 'activity' },
  dayActivity: { name: 'usage_rollup_day_activity', granularity: 'day', shape: 'activity' },
  hourRouting: { name: 'usage_rollup_hour_routing', granularity: 'hour', shape: 'routing' },
  dayRouting: { name: 'usage_rollup_day_routing', granularity: 'day', shape: 'routing' },
} as const satisfies Record<string, RollupTable>;

export type RollupTableName = keyof typeof rollupTables;

/** The full-shape tables, packed. */
export type PackedTableName = 'minute' | 'hour' | 'day';

/** Released migrations 11–12 only: the dictionary of dimension combinations the full-shape sums pointed to (dropped by 13). */
export const rollupDimsTable = 'usage_rollup_dims';

/** The table a rollup's sums are written to: its packs (full shape), or the table itself. */
export function writtenTableOf(table: RollupTable): string {
  return table.packs ?? table.name;
}

/** The tables compaction fills. */
export type CompactedTableName = Exclude<RollupTableName, 'minute'>;
export const compactedTables: readonly CompactedTableName[] = [
  'hour',
  'hourSpend',
  'hourIdentity',
  'hourModel',
  'hourActivity',
  'hourRouting',
  'day',
  'daySpend',
  'dayIdentity',
  'dayModel',
  'dayActivity',
  'dayRouting',
];

/** The narrow-shape hour tables, summed in JS from an hour's full-shape sums as the hour is compacted. */
export const narrowHourTables: readonly CompactedTableName[] = ['hourSpend', 'hourIdentity', 'hourModel', 'hourActivity', 'hourRouting'];

export type NarrowShape = Exclude<RollupShape, 'full'>;

/** The shapes of `narrowHourTables`. */
export const narrowHourShapes: readonly NarrowShape[] = ['spend', 'identity', 'model', 'activity', 'routing'];

/** The narrow-shape day tables, summed in JS from a day's full-shape sums as the day is compacted. */
export const narrowDayTables: readonly CompactedTableName[] = ['daySpend', 'dayIdentity', 'dayModel', 'dayActivity', 'dayRouting'];

/** The table of a granularity and shape (minutes have only the full shape). */
export function rollupTableOf(granularity: RollupGranularity, shape: RollupShape): RollupTableName {
  if (granularity === 'minute') return 'minute';
  const name = (Object.keys(rollupTables) as RollupTableName[]).find((candidate) => rollupTables[candidate].granularity === granularity && rollupTables[candidate].shape === shape);
  if (!name) throw new Error(`no ${granularity} rollup table of the ${shape} shape`);
  return name;
}

/** The compacted tables of a granularity, every shape. */
export function compactedTablesOf(granularity: 'hour' | 'day'): RollupTable[] {
  return compactedTables.map((name) => rollupTables[name]).filter((table) => table.granularity === granularity);
}

/** One combination of dimensions, as the rollups store it. */
export interface RollupDimensions {
  keyId: string | null;
  userName: string | null;
  teamName: string | null;
  requester: string | null;
  provider: string | null;
  /** The served model: `upstream_model`, else `requested_model` (a call refused before any upstream). */
  model: string | null;
  groupName: string | null;
  inboundDialect: string;
  /** The row's tags, deduplicated and sorted, as JSON text: one value per distinct set. */
  tags: string;
  outcome: string;
  statusCode: number;
  errorCode: string | null;
  cached: boolean;
}

export const rollupDimensionColumns = [
  { name: 'key_id', field: 'keyId', kind: 'text', nullable: true },
  { name: 'user_name', field: 'userName', kind: 'text', nullable: true },
  { name: 'team_name', field: 'teamName', kind: 'text', nullable: true },
  { name: 'requester', field: 'requester', kind: 'text', nullable: true },
  { name: 'provider', field: 'provider', kind: 'text', nullable: true },
  { name: 'model', field: 'model', kind: 'text', nullable: true },
  { name: 'group_name', field: 'groupName', kind: 'text', nullable: true },
  { name: 'inbound_dialect', field: 'inboundDialect', kind: 'text', nullable: false },
  { name: 'tags', field: 'tags', kind: 'text', nullable: false },
  { name: 'outcome', field: 'outcome', kind: 'text', nullable: false },
  { name: 'status_code', field: 'statusCode', kind: 'integer', nullable: false },
  { name: 'error_code', field: 'errorCode', kind: 'text', nullable: true },
  { name: 'cached', field: 'cached', kind: 'boolean', nullable: false },
] as const satisfies ReadonlyArray<ColumnDescription<keyof RollupDimensions>>;

/** The dimensions each shape but `full` keeps. */
export const shapeDimensionNames: Record<Exclude<RollupShape, 'full'>, ReadonlySet<string>> = {
  spend: new Set(['key_id', 'user_name', 'team_name', 'provider', 'model', 'inbound_dialect']),
  identity: new Set(['key_id', 'user_name', 'team_name']),
  model: new Set(['provider', 'model']),
  activity: new Set(['key_id', 'user_name', 'team_name', 'provider', 'model', 'status_code', 'error_code']),
  routing: new Set(['provider', 'model', 'group_name']),
};

export function dimensionColumnsOf(shape: RollupShape): ReadonlyArray<(typeof rollupDimensionColumns)[number]> {
  if (shape === 'full') return rollupDimensionColumns;
  const names = shapeDimensionNames[shape];
  return rollupDimensionColumns.filter((column) => names.has(column.name));
}

const _everyDimensionDescribed: [Exclude<keyof RollupDimensions, (typeof rollupDimensionColumns)[number]['field']>] extends [never] ? true : false = true;

/**
 * Upper bounds (exclusive, ms) of the latency and time-to-first-byte histogram buckets; the last is open.
 * Percentiles are interpolated inside a bucket, so they are exact to within one bucket. Never change these:
 * rollups already written count against them.
 */
export const latencyBucketBoundsMs: readonly number[] = [50, 100, 200, 300, 500, 750, 1_000, 1_500, 2_000, 3_000, 5_000, 8_000, 13_000, 20_000, 40_000, Infinity];

const histogramColumnNames = (prefix: string) => latencyBucketBoundsMs.map((_bound, index) => `${prefix}${String(index).padStart(2, '0')}`);
export const latencyHistogramColumns: readonly string[] = histogramColumnNames('latency_h');
export const ttfbHistogramColumns: readonly string[] = histogramColumnNames('ttfb_h');

/** How a measure of two rollup rows for the same bucket and dimensions combines. */
export type MeasureMerge = 'sum' | 'max';

export interface RollupMeasureColumn {
  name: string;
  kind: 'big-integer' | 'real';
  merge: MeasureMerge;
}

/** Summed per bucket and dimensions; `last_at` keeps the newest `created_at`. Histograms where `keepsHistograms`. */
export const rollupMeasureColumns: readonly RollupMeasureColumn[] = [
  { name: 'calls', kind: 'big-integer', merge: 'sum' },
  /** Outcome `error`. */
  { name: 'errors', kind: 'big-integer', merge: 'sum' },
  /** Outcome `cancelled`. */
  { name: 'cancelled', kind: 'big-integer', merge: 'sum' },
  /** Served from the response cache. */
  { name: 'cache_hits', kind: 'big-integer', merge: 'sum' },
  { name: 'input_tokens', kind: 'big-integer', merge: 'sum' },
  { name: 'output_tokens', kind: 'big-integer', merge: 'sum' },
  { name: 'cache_read_tokens', kind: 'big-integer', merge: 'sum' },
  { name: 'cache_write_tokens', kind: 'big-integer', merge: 'sum' },
  { name: 'reasoning_tokens', kind: 'big-integer', merge: 'sum' },
  /** Known costs only: a row without a price adds nothing. */
  { name: 'cost_usd', kind: 'real', merge: 'sum' },
  /** `saved_cost_usd` of cache hits. */
  { name: 'saved_usd', kind: 'real', merge: 'sum' },
  { name: 'last_at', kind: 'big-integer', merge: 'max' },
  ...latencyHistogramColumns.map((name) => ({ name, kind: 'big-integer' as const, merge: 'sum' as const })),
  ...ttfbHistogramColumns.map((name) => ({ name, kind: 'big-integer' as const, merge: 'sum' as const })),
];

/** How many measures (from the start of `rollupMeasureColumns`) the shapes without histograms keep. */
export const spendMeasureCount = rollupMeasureColumns.findIndex((column) => column.name === latencyHistogramColumns[0]);

/**
 * Where each part of a full-shape sum starts in its measures (`storedMeasureColumnsOf('full')` order): the
 * spend measures, the latency and time-to-first-byte histograms, the four routing counts (attempts,
 * retries, fallbacks, upstream time), the overhead and throughput histograms (all of `latencyBucketBoundsMs`'s
 * length), then the billed cost and billed calls.
 */
export const fullMeasureOffsets = (() => {
  const buckets = latencyBucketBoundsMs.length;
  const latency = spendMeasureCount;
  const ttfb = latency + buckets;
  const routing = ttfb + buckets;
  const overhead = routing + 4;
  const throughput = overhead + buckets;
  return { latency, ttfb, routing, overhead, throughput, billed: throughput + buckets } as const;
})();

/** Whether a shape keeps the latency and time-to-first-byte histograms (and the routing ones). */
export function keepsHistograms(shape: RollupShape): boolean {
  return shape === 'full' || shape === 'activity' || shape === 'routing';
}

/**
 * The measures as the rollup migrations 9–13 created them (released: those migrations are generated from
 * this, so it never grows; `storedMeasureColumnsOf` is what the tables hold now).
 */
export function measureColumnsOf(shape: RollupShape): readonly RollupMeasureColumn[] {
  return keepsHistograms(shape) ? rollupMeasureColumns : rollupMeasureColumns.slice(0, spendMeasureCount);
}

/**
 * Upper bounds (exclusive, ms) of the gateway-overhead histogram (latency minus upstream time): the
 * gateway's own time is milliseconds, which the latency buckets would lump into their first. Never change.
 */
export const overheadBucketBoundsMs: readonly number[] = [1, 2, 3, 5, 8, 13, 20, 30, 50, 80, 130, 200, 300, 500, 1_000, Infinity];

/** Upper bounds (exclusive, output tokens per second of the serving attempt) of the throughput histogram. Never change. */
export const throughputBucketBounds: readonly number[] = [5, 10, 20, 30, 40, 50, 65, 80, 100, 130, 170, 220, 300, 500, 1_000, Infinity];

export const overheadHistogramColumns: readonly string[] = histogramColumnNames('overhead_h');
export const throughputHistogramColumns: readonly string[] = histogramColumnNames('tps_h');

/**
 * Routing measures (the routing migration added them to every narrow table, and they follow the released
 * measures in a pack entry): `attempts` upstream tries, `retries` tries of the same target again,
 * `fallbacks` calls served (or ended) by another target than the first choice, `upstream_ms` the summed
 * duration of every attempt (so latency minus it is the gateway's own time).
 */
export const routingMeasureColumns: readonly RollupMeasureColumn[] = [
  { name: 'attempts', kind: 'big-integer', merge: 'sum' },
  { name: 'retries', kind: 'big-integer', merge: 'sum' },
  { name: 'fallbacks', kind: 'big-integer', merge: 'sum' },
  { name: 'upstream_ms', kind: 'real', merge: 'sum' },
];

/** The gateway-overhead and throughput histograms, in the shapes that keep histograms. */
export const routingHistogramMeasureColumns: readonly RollupMeasureColumn[] = [...overheadHistogramColumns, ...throughputHistogramColumns].map((name) => ({
  name,
  kind: 'big-integer' as const,
  merge: 'sum' as const,
}));

/**
 * What upstreams billed themselves (the billed-cost migration added them to every narrow table, and they
 * follow the routing measures in a pack entry): `billed_cost_usd` the sum of the rows' `billed_cost_usd`,
 * `billed_calls` how many rows reported one, so a reader tells "billed nothing" from "nothing reported".
 */
export const billedMeasureColumns: readonly RollupMeasureColumn[] = [
  { name: 'billed_cost_usd', kind: 'real', merge: 'sum' },
  { name: 'billed_calls', kind: 'big-integer', merge: 'sum' },
];

/**
 * What a shape's tables hold now, in the order its measures arrays are: the released measures, the
 * routing ones (histograms only where the shape keeps them), then the billed ones. The full shape's order
 * is `FullMeasures`'.
 */
export function storedMeasureColumnsOf(shape: RollupShape): readonly RollupMeasureColumn[] {
  return keepsHistograms(shape)
    ? [...rollupMeasureColumns, ...routingMeasureColumns, ...routingHistogramMeasureColumns, ...billedMeasureColumns]
    : [...rollupMeasureColumns.slice(0, spendMeasureCount), ...routingMeasureColumns, ...billedMeasureColumns];
}

/** Where each measure of `storedMeasureColumnsOf(shape)` sits in `storedMeasureColumnsOf(source)`. */
export function measureIndexesIn(shape: RollupShape, source: RollupShape): number[] {
  const sourceNames = storedMeasureColumnsOf(source).map((column) => column.name);
  return storedMeasureColumnsOf(shape).map((column) => {
    const index = sourceNames.indexOf(column.name);
    if (index < 0) throw new Error(`the ${source} shape has no measure ${column.name}`);
    return index;
  });
}

/** The index of the bucket a value falls in, for any of the histograms' bounds. */
export function bucketOf(value: number, bounds: readonly number[]): number {
  for (let index = 0; index < bounds.length - 1; index++) if (value < bounds[index]!) return index;
  return bounds.length - 1;
}

/** The index of the histogram bucket a duration falls in. */
export function latencyBucketOf(milliseconds: number): number {
  const bounds = latencyBucketBoundsMs;
  for (let index = 0; index < bounds.length - 1; index++) if (milliseconds < bounds[index]!) return index;
  return bounds.length - 1;
}

/**
 * `CASE` buckets for a duration column, one expression per histogram column (for back-fills from
 * `usage_rows`): 1 when the value falls in that bucket, else 0.
 */
export function histogramBucketExpressions(valueExpression: string): string[] {
  return latencyBucketBoundsMs.map((upper, index) => {
    const lower = index === 0 ? undefined : latencyBucketBoundsMs[index - 1];
    const conditions = [`${valueExpression} IS NOT NULL`];
    if (lower !== undefined) conditions.push(`${valueExpression} >= ${lower}`);
    if (upper !== Infinity) conditions.push(`${valueExpression} < ${upper}`);
    return `SUM(CASE WHEN ${conditions.join(' AND ')} THEN 1 ELSE 0 END)`;
  });
}
