import { Card, CardRow } from '../components/card.js';
import { SortableTable } from '../components/sortable-table.js';
import { LoadStatus } from '../components/status.js';
import { TimeChart } from '../components/time-chart.js';
import type { ActivityAnswer, Percentiles, TimeseriesAnswer } from '../contract.js';
import { count, milliseconds, percent, plural } from '../format.js';
import { scopeQuery, type Scope } from '../scope.js';
import { useApi } from '../use-api.js';

/** Calls and errors over time, latency and time-to-first-byte percentiles, error codes, cancellations. */
export function ActivityView(props: { scope: Scope }) {
  const activity = useApi<ActivityAnswer>(`/analytics/activity?${scopeQuery(props.scope)}`);
  const calls = useApi<TimeseriesAnswer>(`/analytics/timeseries?${scopeQuery(props.scope, { metric: 'calls' })}`);
  const errors = useApi<TimeseriesAnswer>(`/analytics/timeseries?${scopeQuery(props.scope, { metric: 'errors' })}`);
  const totals = activity.data?.totals;
  return (
    <div class="view" data-testid="activity-view">
      <LoadStatus state={activity} what="activity" />
      {totals && (
        <CardRow>
          <Card testId="card-activity-calls" label="Calls" value={count(totals.calls)} detail={plural(totals.errors, 'error')} />
          <Card testId="card-error-rate" label="Error rate" value={percent(totals.error_rate)} detail={`${count(totals.errors)} of ${count(totals.calls)}`} />
          <Card testId="card-cancelled" label="Cancelled" value={count(totals.cancelled)} detail="caller went away" />
          <Card testId="card-hit-rate" label="Cache hit rate" value={percent(totals.cache_hit_rate)} detail={plural(totals.cache_hits, 'hit')} />
          <Card
            testId="card-overhead"
            label="Gateway overhead p50"
            value={milliseconds(totals.gateway_overhead_ms?.p50)}
            detail={`p95 ${milliseconds(totals.gateway_overhead_ms?.p95)} · upstream ${milliseconds(totals.calls === 0 ? null : totals.upstream_ms / totals.calls)} per call`}
          />
          <Card
            testId="card-throughput"
            label="Throughput p50"
            value={totals.output_tokens_per_second ? `${count(totals.output_tokens_per_second.p50)} tok/s` : '—'}
            detail="output tokens per second"
          />
          <Card testId="card-activity-fallback-rate" label="Fallback rate" value={percent(totals.fallback_rate)} detail={`retry rate ${percent(totals.retry_rate)}`} />
        </CardRow>
      )}
      <section class="panel">
        <h2>Calls and errors over time</h2>
        <LoadStatus state={calls} what="the calls chart" />
        {calls.data && errors.data && (
          <TimeChart
            title={`Calls and errors per ${calls.data.bucket}`}
            mode="lines"
            buckets={calls.data.buckets}
            series={[
              { label: 'Calls', values: calls.data.series[0]?.values ?? calls.data.buckets.map(() => 0) },
              { label: 'Errors (dashed)', values: errors.data.series[0]?.values ?? errors.data.buckets.map(() => 0) },
            ]}
            format={(value) => count(Math.round(value))}
          />
        )}
      </section>
      <section class="panel">
        <h2>Latency, time to first byte, gateway overhead and throughput</h2>
        <p class="muted small">
          Percentiles are read from histograms, so they are approximate to within one histogram bucket. Gateway overhead is latency minus the time spent in upstream
          attempts; throughput is output tokens per second of the attempt that answered.
        </p>
        {activity.data && (
          <SortableTable
            rows={activity.data.latency}
            rowKey={(row) => `${row.provider}/${row.model}`}
            initialSort={{ column: 'calls', descending: true }}
            columns={[
              { id: 'provider', label: 'Provider', sortValue: (row) => row.provider, render: (row) => row.provider ?? '—' },
              { id: 'model', label: 'Model', sortValue: (row) => row.model, render: (row) => row.model ?? '—' },
              { id: 'calls', label: 'Calls', numeric: true, sortValue: (row) => row.calls, render: (row) => count(row.calls) },
              { id: 'errors', label: 'Errors', numeric: true, sortValue: (row) => row.errors, render: (row) => count(row.errors) },
              { id: 'latency', label: 'Latency p50 / p95 / p99', numeric: true, sortValue: (row) => row.latency_ms?.p95 ?? null, render: (row) => triple(row.latency_ms) },
              { id: 'ttfb', label: 'TTFB p50 / p95 / p99', numeric: true, sortValue: (row) => row.ttfb_ms?.p95 ?? null, render: (row) => triple(row.ttfb_ms) },
              { id: 'upstream', label: 'Upstream / call', numeric: true, sortValue: (row) => row.upstream_ms_per_call, render: (row) => milliseconds(row.upstream_ms_per_call) },
              {
                id: 'overhead',
                label: 'Overhead p50 / p95',
                numeric: true,
                sortValue: (row) => row.gateway_overhead_ms?.p95 ?? null,
                render: (row) => (row.gateway_overhead_ms ? `${milliseconds(row.gateway_overhead_ms.p50)} / ${milliseconds(row.gateway_overhead_ms.p95)}` : '—'),
              },
              {
                id: 'throughput',
                label: 'Output tok/s p50',
                numeric: true,
                sortValue: (row) => row.output_tokens_per_second?.p50 ?? null,
                render: (row) => (row.output_tokens_per_second ? count(row.output_tokens_per_second.p50) : '—'),
              },
            ]}
          />
        )}
      </section>
      <section class="panel">
        <h2>Errors by code</h2>
        {activity.data && (
          <SortableTable
            rows={activity.data.errors_by_code}
            rowKey={(row) => `${row.code}/${row.status_code}`}
            initialSort={{ column: 'count', descending: true }}
            empty="No errors in this window."
            columns={[
              { id: 'code', label: 'Code', sortValue: (row) => row.code, render: (row) => <code>{row.code ?? '(none)'}</code> },
              { id: 'status', label: 'Status', numeric: true, sortValue: (row) => row.status_code, render: (row) => row.status_code },
              { id: 'count', label: 'Count', numeric: true, sortValue: (row) => row.count, render: (row) => count(row.count) },
            ]}
          />
        )}
      </section>
    </div>
  );
}

function triple(values: Percentiles | null): string {
  return values ? `${milliseconds(values.p50)} / ${milliseconds(values.p95)} / ${milliseconds(values.p99)}` : '—';
}
