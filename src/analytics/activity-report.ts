import type { RollupGroup } from '../store/analytics-store.js';
import { addHistogram, addMeasures, aggregateWindow, emptyMeasures } from './aggregate-window.js';
import type { AnalyticsContext } from './analytics-context.js';
import type { QueryParameters } from './analytics-query.js';
import { reportScope } from './analytics-window.js';
import { measuresJson } from './measures-json.js';
import { targetNameOf } from './group-dimensions.js';
import { overheadPercentilesOf, percentilesOf, throughputPercentilesOf } from './percentiles.js';

const ratio = (part: number, whole: number) => (whole === 0 ? 0 : part / whole);

type DimensionValue = RollupGroup['values'][keyof RollupGroup['values']];
/** A text dimension (provider, model, error code) as the answer spells it. */
const textOf = (value: DimensionValue): string | null => (value === null || value === undefined ? null : String(value));
/** A numeric dimension (the status code) as the answer spells it. */
const numberOf = (value: DimensionValue): number | null => (value === null || value === undefined ? null : Number(value));

/**
 * `GET /analytics/activity`: calls, error, cache-hit, fallback and retry rates, errors by code, and per
 * target (provider and model) latency, time to first byte, the gateway's own time (latency minus upstream
 * time) and throughput.
 */
export async function activityReport(query: QueryParameters, context: AnalyticsContext) {
  const scope = reportScope(query, context);
  const window = { from: scope.from, to: scope.to, filters: scope.filters };
  const [byTarget, byError] = await Promise.all([
    aggregateWindow(context.store, { ...window, by: ['provider', 'model'], histograms: true }),
    aggregateWindow(context.store, { ...window, by: ['error_code', 'status_code'] }),
  ]);
  const totals = emptyMeasures();
  let overhead: number[] | undefined;
  let throughput: number[] | undefined;
  for (const group of byTarget) {
    addMeasures(totals, group.measures);
    overhead = addHistogram(overhead, group.overheadHistogram);
    throughput = addHistogram(throughput, group.throughputHistogram);
  }
  const errorsByCode = byError
    .filter((group) => group.measures.errors > 0)
    .map((group) => ({ code: textOf(group.values.error_code), status_code: numberOf(group.values.status_code), count: group.measures.errors }))
    .sort((left, right) => right.count - left.count);
  const latency = byTarget
    .sort((left, right) => right.measures.calls - left.measures.calls)
    .map((group) => ({
      provider: textOf(group.values.provider),
      model: textOf(group.values.model),
      target: targetNameOf(group.values),
      calls: group.measures.calls,
      errors: group.measures.errors,
      latency_ms: percentilesOf(group.latencyHistogram),
      ttfb_ms: percentilesOf(group.ttfbHistogram),
      upstream_ms_per_call: ratio(group.measures.upstreamMs, group.measures.calls),
      gateway_overhead_ms: overheadPercentilesOf(group.overheadHistogram),
      output_tokens_per_second: throughputPercentilesOf(group.throughputHistogram),
      fallback_rate: ratio(group.measures.fallbacks, group.measures.calls),
      retry_rate: ratio(group.measures.retries, group.measures.attempts),
      attempts_per_call: ratio(group.measures.attempts, group.measures.calls),
    }));
  return {
    object: 'analytics.activity',
    ...scope.bounds,
    totals: {
      ...measuresJson(totals),
      error_rate: ratio(totals.errors, totals.calls),
      cache_hit_rate: ratio(totals.cacheHits, totals.calls),
      gateway_overhead_ms: overheadPercentilesOf(overhead),
      output_tokens_per_second: throughputPercentilesOf(throughput),
    },
    errors_by_code: errorsByCode,
    latency,
  };
}

/** What `GET /analytics/activity` answers; the dashboard reads it through this type (dashboard/src/contract.ts). */
export type ActivityAnswer = Awaited<ReturnType<typeof activityReport>>;
