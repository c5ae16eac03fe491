import type { UsageOutcome, UsageRow } from '../domain/usage-row.js';
import type { RollupGranularity, RollupTableName } from './rollups/rollup-columns.js';

/** Exact-match filters every analytics query takes; all given ones must hold. */
export interface AnalyticsFilters {
  key?: string;
  user?: string;
  team?: string;
  /** The served model (upstream model, else requested model). */
  model?: string;
  provider?: string;
  /** Rows carrying this tag among theirs. */
  tag?: string;
  group?: string;
  requester?: string;
}

/** What a rollup query may group by. `tags` groups by the whole (sorted) tag list, exploded by the caller. */
export const rollupDimensions = ['key', 'user', 'team', 'requester', 'provider', 'model', 'group', 'dialect', 'tags', 'outcome', 'status_code', 'error_code', 'cached'] as const;
export type RollupDimension = (typeof rollupDimensions)[number];

/** Each dimension's column in the rollup tables. */
export const rollupDimensionColumn: Record<RollupDimension, string> = {
  key: 'key_id',
  user: 'user_name',
  team: 'team_name',
  requester: 'requester',
  provider: 'provider',
  model: 'model',
  group: 'group_name',
  dialect: 'inbound_dialect',
  tags: 'tags',
  outcome: 'outcome',
  status_code: 'status_code',
  error_code: 'error_code',
  cached: 'cached',
};

export interface RollupQuery {
  table: RollupTableName;
  /** Bucket starts in [from, to), both multiples of the table's granularity. */
  from: number;
  to: number;
  filters: AnalyticsFilters;
  by: readonly RollupDimension[];
  /** Also group by time, in buckets of this many ms (a multiple of the granularity, UTC-aligned). */
  bucketMs?: number;
  /** Include the latency, time-to-first-byte, overhead and throughput histograms. */
  histograms?: boolean;
}

export interface RollupMeasures {
  calls: number;
  errors: number;
  cancelled: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
  reasoningTokens: number;
  costUsd: number;
  savedUsd: number;
  cacheHits: number;
  /** The newest `created_at` summed in (epoch ms); 0 when none. */
  lastAt: number;
  /** Upstream attempts (rollups written before the routing migration count none, nor the next three). */
  attempts: number;
  /** Attempts that tried the same target again. */
  retries: number;
  /** Calls served (or ended) by another target than the first choice. */
  fallbacks: number;
  /** Summed duration of every attempt. */
  upstreamMs: number;
  /** What upstreams reported they billed (`billed_cost_usd`), over the `billedCalls` rows that reported it. */
  billedCostUsd: number;
  /** Rows that carried a `billed_cost_usd` (rollups written before the billed-cost migration count none). */
  billedCalls: number;
}

export interface RollupGroup {
  /** The grouped dimensions' values, by dimension (`cached` as a boolean, `status_code` a number). */
  values: Partial<Record<RollupDimension, string | number | boolean | null>>;
  bucketStart?: number;
  measures: RollupMeasures;
  /** Counts per `latencyBucketBoundsMs` bucket, when asked for. */
  latencyHistogram?: number[];
  ttfbHistogram?: number[];
  /** Counts per `overheadBucketBoundsMs` bucket (latency minus upstream time), when asked for. */
  overheadHistogram?: number[];
  /** Counts per `throughputBucketBounds` bucket (output tokens per second), when asked for. */
  throughputHistogram?: number[];
}

export interface UsageLogQuery {
  from: number;
  to: number;
  filters: AnalyticsFilters;
  outcome?: UsageOutcome;
  cached?: boolean;
  statusCode?: number;
  /** Continue after this row (newest first: strictly older, or as old with a smaller id). */
  after?: { createdAt: number; id: string };
  limit: number;
}

/** What a retention pass may delete from. */
export type PruneTarget = 'rows' | RollupGranularity;


/**
 * Reads for the analytics API: sums from the rollup tables (never from raw rows), the request log by index,
 * and retention. Both stores implement it; `analytics/aggregate-window.ts` spreads a window over the tables.
 */
export interface AnalyticsStore {
  aggregateRollups(query: RollupQuery): Promise<RollupGroup[]>;
  /** The compaction mark: hour and day rollups hold every row before it, minute rollups every row from it. */
  rollupsCompactedUntil(): Promise<number>;
  /**
   * Compacts the minutes of every hour that is due into hours (and ended days into days) and moves the
   * mark, a step at a time, each worked out without the write lock and written under it (see
   * compaction-plan.ts); resolves with the mark. For a store opened with `compactWithBatches: false`, whose
   * batches leave this to the rollup compactor; harmless on any other.
   */
  compactRollups(): Promise<number>;
  /** Rows newest first (`created_at`, then `id`, descending), without attempt trails. */
  listUsage(query: UsageLogQuery): Promise<UsageRow[]>;
  /** One row with its attempt trail; undefined when unknown. */
  usageRow(id: string): Promise<UsageRow | undefined>;
  /**
   * Deletes up to `limit` of the oldest rows (or rollup buckets) before `before` (minute rollups never past
   * the compaction mark); returns how many it deleted.
   */
  pruneUsage(options: { target: PruneTarget; before: number; limit: number }): Promise<number>;
}
