import { GatewayError } from '../errors/gateway-error.js';
import type { RollupMeasures } from '../store/analytics-store.js';
import { aggregateWindow } from './aggregate-window.js';
import type { AnalyticsContext } from './analytics-context.js';
import { choiceParameter, parseDuration, parseFilters, parseWindow, type QueryParameters } from './analytics-query.js';
import { scopeOf } from './analytics-window.js';
import { groupByChoices, groupByDimensions, groupNamesOf } from './group-dimensions.js';
import { alignWindow, ceilTo, floorTo, minuteHorizon } from './rollup-window.js';

const bucketChoices = ['1m', '5m', '15m', '1h', '6h', '1d'] as const;
const metricChoices = ['cost', 'billed_cost', 'calls', 'errors', 'tokens', 'attempts', 'retries', 'fallbacks', 'fallback_rate', 'retry_rate', 'attempts_per_call', 'requests_per_second'] as const;
type Metric = (typeof metricChoices)[number];

/** A chart wants about this many points at most when it did not choose a bucket. */
const defaultMaximumPoints = 200;
const maximumBuckets = 2_000;
/** Series shown by name; the rest are summed into `other`. */
const namedSeries = 8;

/**
 * A metric's value in a bucket as a part and a whole (the whole 1 for sums): rates are summed part by part
 * and divided last, so a series' total, `other` and a bucket merged from several groups stay rates.
 */
function metricOf(measures: RollupMeasures, metric: Metric, bucketSeconds: number): [part: number, whole: number] {
  switch (metric) {
    case 'fallback_rate':
      return [measures.fallbacks, measures.calls];
    case 'retry_rate':
      return [measures.retries, measures.attempts];
    case 'attempts_per_call':
      return [measures.attempts, measures.calls];
    case 'requests_per_second':
      return [measures.calls / bucketSeconds, 1];
    default:
      return [sumMetricOf(measures, metric), 1];
  }
}

function sumMetricOf(measures: RollupMeasures, metric: Exclude<Metric, 'fallback_rate' | 'retry_rate' | 'attempts_per_call' | 'requests_per_second'>): number {
  switch (metric) {
    case 'attempts':
      return measures.attempts;
    case 'retries':
      return measures.retries;
    case 'fallbacks':
      return measures.fallbacks;
    case 'cost':
      return measures.costUsd;
    case 'billed_cost':
      // What upstreams reported they billed, in the buckets where any did (0 elsewhere, as for every sum).
      return measures.billedCostUsd;
    case 'calls':
      return measures.calls;
    case 'errors':
      return measures.errors;
    case 'tokens':
      return measures.inputTokens + measures.outputTokens;
    default: {
      const _exhaustive: never = metric;
      return _exhaustive;
    }
  }
}

/** `GET /analytics/timeseries`: one value per UTC-aligned bucket, gaps filled with 0, per series. */
export async function timeseriesReport(query: QueryParameters, context: AnalyticsContext) {
  const asked = parseWindow(query, context.now);
  const filters = parseFilters(query);
  const metric = choiceParameter(query, 'metric', metricChoices) ?? 'cost';
  const groupBy = choiceParameter(query, 'group_by', groupByChoices);
  const horizon = minuteHorizon(context.now);
  const askedBucket = choiceParameter(query, 'bucket', bucketChoices);
  // Buckets under an hour come from minute rollups, which only reach back a few days.
  const fits = (bucketMs: number) => bucketMs >= 3_600_000 || floorTo(asked.from, bucketMs) >= horizon;
  const bucketName =
    askedBucket ?? bucketChoices.find((choice) => fits(parseDuration(choice)!) && (asked.to - asked.from) / parseDuration(choice)! <= defaultMaximumPoints) ?? '1d';
  const bucketMs = parseDuration(bucketName)!;
  if (!fits(bucketMs)) {
    throw new GatewayError('invalid_request', `bucket=${bucketName} needs a window that starts after ${new Date(horizon).toISOString()} (per-minute rollups are kept 3 days); use 1h or more.`, { param: 'bucket' });
  }
  const aligned = alignWindow(asked.from, asked.to, context.now);
  const from = floorTo(aligned.from, bucketMs);
  const to = ceilTo(aligned.to, bucketMs);
  const bucketCount = (to - from) / bucketMs;
  if (bucketCount > maximumBuckets) {
    throw new GatewayError('invalid_request', `The window holds ${bucketCount} buckets of ${bucketName}; at most ${maximumBuckets} are answered. Choose a larger bucket.`, { param: 'bucket' });
  }
  const groups = await aggregateWindow(context.store, { from, to, filters, by: groupBy ? groupByDimensions[groupBy] : [], bucketMs });

  const bucketSeconds = bucketMs / 1000;
  const series = new Map<string | null, { parts: number[]; wholes: number[] }>();
  for (const group of groups) {
    const index = (group.bucketStart! - from) / bucketMs;
    const [part, whole] = metricOf(group.measures, metric, bucketSeconds);
    for (const name of groupBy ? groupNamesOf(group, groupBy) : [null]) {
      let values = series.get(name);
      if (!values) series.set(name, (values = { parts: new Array<number>(bucketCount).fill(0), wholes: new Array<number>(bucketCount).fill(0) }));
      values.parts[index]! += part;
      values.wholes[index]! += whole;
    }
  }
  const isSum = (['cost', 'billed_cost', 'calls', 'errors', 'tokens', 'attempts', 'retries', 'fallbacks', 'requests_per_second'] as readonly Metric[]).includes(metric);
  const valuesOf = ({ parts, wholes }: { parts: number[]; wholes: number[] }) => (isSum ? parts : parts.map((part, index) => (wholes[index] === 0 ? 0 : part / wholes[index]!)));
  const empty = () => ({ parts: new Array<number>(bucketCount).fill(0), wholes: new Array<number>(bucketCount).fill(0) });
  // Ranked by the parts (spend, calls, fallbacks…): the series that matter most.
  const ranked = [...series.entries()].map(([group, sums]) => ({ group, sums, total: sums.parts.reduce((sum, value) => sum + value, 0) })).sort((left, right) => right.total - left.total);
  let shownSums: Array<{ group: string | null; sums: { parts: number[]; wholes: number[] } }> = ranked;
  if (!groupBy) shownSums = [{ group: null, sums: ranked[0]?.sums ?? empty() }];
  else if (ranked.length > namedSeries) {
    const other = empty();
    for (const rest of ranked.slice(namedSeries)) {
      rest.sums.parts.forEach((value, index) => (other.parts[index]! += value));
      rest.sums.wholes.forEach((value, index) => (other.wholes[index]! += value));
    }
    shownSums = [...ranked.slice(0, namedSeries), { group: 'other', sums: other }];
  }
  const shown = shownSums.map(({ group, sums }) => ({ group, values: valuesOf(sums) }));
  const buckets = Array.from({ length: bucketCount }, (_unused, index) => new Date(from + index * bucketMs).toISOString());
  return {
    object: 'analytics.timeseries',
    ...scopeOf({ from, to }, filters, context.now).bounds,
    bucket: bucketName,
    metric,
    group_by: groupBy ?? null,
    buckets,
    series: shown.map(({ group, values }) => ({ group, values })),
  };
}

/** What `GET /analytics/timeseries` answers; the dashboard reads it through this type (dashboard/src/contract.ts). */
export type TimeseriesAnswer = Awaited<ReturnType<typeof timeseriesReport>>;
