import { GatewayError } from '../errors/gateway-error.js';
import type { RollupMeasures } from '../store/analytics-store.js';
import { aggregateWindow } from './aggregate-window.js';
import type { AnalyticsContext } from './analytics-context.js';
import { choiceParameter, parseDuration, parseFilters, parseWindow, type QueryParameters } from './analytics-query.js';
import { scopeOf } from './analytics-window.js';
import { groupByChoices, groupByDimension, groupNamesOf } from './group-dimensions.js';
import { alignWindow, ceilTo, floorTo, minuteHorizon } from './rollup-window.js';

const bucketChoices = ['1m', '5m', '15m', '1h', '6h', '1d'] as const;
const metricChoices = ['cost', 'calls', 'errors', 'tokens'] as const;
type Metric = (typeof metricChoices)[number];

/** A chart wants about this many points at most when it did not choose a bucket. */
const defaultMaximumPoints = 200;
const maximumBuckets = 2_000;
/** Series shown by name; the rest are summed into `other`. */
const namedSeries = 8;

function metricOf(measures: RollupMeasures, metric: Metric): number {
  switch (metric) {
    case 'cost':
      return measures.costUsd;
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
export async function timeseriesReport(query: QueryParameters, context: AnalyticsContext): Promise<Record<string, unknown>> {
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
  const groups = await aggregateWindow(context.store, { from, to, filters, by: groupBy ? [groupByDimension[groupBy]] : [], bucketMs });

  const series = new Map<string | null, number[]>();
  for (const group of groups) {
    const index = (group.bucketStart! - from) / bucketMs;
    const value = metricOf(group.measures, metric);
    for (const name of groupBy ? groupNamesOf(group, groupBy) : [null]) {
      let values = series.get(name);
      if (!values) series.set(name, (values = new Array<number>(bucketCount).fill(0)));
      values[index]! += value;
    }
  }
  const ranked = [...series.entries()].map(([group, values]) => ({ group, values, total: values.reduce((sum, value) => sum + value, 0) })).sort((left, right) => right.total - left.total);
  let shown: Array<{ group: string | null; values: number[] }> = ranked;
  if (!groupBy) shown = [{ group: null, values: ranked[0]?.values ?? new Array<number>(bucketCount).fill(0) }];
  else if (ranked.length > namedSeries) {
    const other = new Array<number>(bucketCount).fill(0);
    for (const rest of ranked.slice(namedSeries)) rest.values.forEach((value, index) => (other[index]! += value));
    shown = [...ranked.slice(0, namedSeries), { group: 'other', values: other }];
  }
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
