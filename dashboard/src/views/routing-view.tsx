import { Card, CardRow } from '../components/card.js';
import { SortableTable } from '../components/sortable-table.js';
import { LoadStatus } from '../components/status.js';
import { TimeChart } from '../components/time-chart.js';
import type { RoutingAnswer, RoutingGroup, TargetHealthAnswer, TimeseriesAnswer } from '../contract.js';
import { count, milliseconds, percent, usd } from '../format.js';
import { scopeQuery, type Scope, type TimeWindow } from '../scope.js';
import { useApi } from '../use-api.js';

/**
 * Per model group: its contract, its targets (share of calls, success, time to first byte, fallback and
 * retry rates, cooldown, cost per call) and its calls per target over time. Cooldowns come from the
 * gateway's target health, which only admin and metrics keys may read: without it the column says so.
 */
export function RoutingView(props: { scope: Scope }) {
  const routing = useApi<RoutingAnswer>(`/analytics/routing?${scopeQuery(props.scope)}`);
  const health = useApi<TargetHealthAnswer>('/admin/health/targets');
  const cooldowns = new Map((health.data?.targets ?? []).map((entry) => [entry.target, entry.cooldown]));
  return (
    <div class="view" data-testid="routing-view">
      <LoadStatus state={routing} what="routing" />
      {routing.data && routing.data.groups.length === 0 && <p class="muted">No model group was configured or called in this window.</p>}
      {routing.data?.groups.map((group) => (
        <GroupPanel key={group.group} group={group} scope={props.scope} cooldowns={health.data ? cooldowns : undefined} />
      ))}
    </div>
  );
}

function GroupPanel(props: { group: RoutingGroup; scope: Scope; cooldowns: ReadonlyMap<string, string | null> | undefined }) {
  const group = props.group;
  const series = useApi<TimeseriesAnswer>(`/analytics/timeseries?${scopeQuery(props.scope, { metric: 'calls', group_by: 'target', group: group.group, bucket: chartBucket(props.scope.window) })}`);
  const budget = group.budget;
  return (
    <section class="panel" data-testid={`routing-group-${group.group}`}>
      <header class="panel-header">
        <h2>
          {group.group} <span class="muted small">{group.policy ?? 'not configured'}</span>
        </h2>
      </header>
      {group.description && <p data-testid="group-description">{group.description}</p>}
      <CardRow>
        <Card label="Calls" value={count(group.calls)} detail={`${percent(group.success_rate)} succeeded`} />
        <Card testId="card-fallback-rate" label="Fallback rate" value={percent(group.fallback_rate)} detail={`${group.attempts_per_call.toFixed(2)} attempts per call`} />
        <Card label="Retry rate" value={percent(group.retry_rate)} detail="of attempts" />
        <Card label="Cost per call" value={usd(group.cost_per_call)} detail={`${usd(group.cost_usd)} in all`} />
        {budget && (
          <Card
            testId="card-group-quota"
            label={`Quota this ${budget.period}`}
            value={`${usd(budget.spent_usd)} / ${budget.hard_usd === null ? '—' : usd(budget.hard_usd)}`}
            detail={budget.soft_usd === null ? 'spent / cap' : `soft ${usd(budget.soft_usd)}`}
          />
        )}
      </CardRow>
      <SortableTable
        caption={`Targets of ${group.group}`}
        rows={group.targets}
        rowKey={(row) => row.target}
        empty="No targets."
        columns={[
          { id: 'target', label: 'Target', sortValue: (row) => row.target, render: (row) => <code>{row.target}</code> },
          { id: 'share', label: 'Share', numeric: true, sortValue: (row) => row.share, render: (row) => percent(row.share) },
          { id: 'calls', label: 'Calls', numeric: true, sortValue: (row) => row.calls, render: (row) => count(row.calls) },
          { id: 'success', label: 'Success', numeric: true, sortValue: (row) => row.success_rate, render: (row) => (row.calls === 0 ? '—' : percent(row.success_rate)) },
          {
            id: 'ttfb',
            label: 'TTFB p50 / p95',
            numeric: true,
            sortValue: (row) => row.ttfb_ms?.p95 ?? null,
            render: (row) => (row.ttfb_ms ? `${milliseconds(row.ttfb_ms.p50)} / ${milliseconds(row.ttfb_ms.p95)}` : '—'),
          },
          { id: 'fallback', label: 'Fallback rate', numeric: true, sortValue: (row) => row.fallback_rate, render: (row) => percent(row.fallback_rate) },
          { id: 'retry', label: 'Retry rate', numeric: true, sortValue: (row) => row.retry_rate, render: (row) => percent(row.retry_rate) },
          {
            id: 'cooldown',
            label: 'Cooldown',
            sortValue: (row) => props.cooldowns?.get(row.target) ?? null,
            render: (row) => (props.cooldowns ? (props.cooldowns.get(row.target) ?? 'available') : <span class="muted">needs an admin or metrics key</span>),
          },
          { id: 'cost', label: 'Cost / call', numeric: true, sortValue: (row) => row.cost_per_call, render: (row) => usd(row.cost_per_call) },
        ]}
      />
      <LoadStatus state={series} what="the calls chart" />
      {series.data && (
        <TimeChart
          title={`Calls of ${group.group} per ${series.data.bucket}, by target`}
          mode="stacked"
          buckets={series.data.buckets}
          series={series.data.series.map((entry) => ({ label: entry.group ?? '(no target)', values: entry.values }))}
          format={(value) => count(Math.round(value))}
          height={160}
        />
      )}
    </section>
  );
}

/**
 * The chart's bucket: whole hours or more past a few hours, so the chart reads the routing shape's hour and
 * day rollups (a few rows an hour) rather than a day of every-dimension minute rollups, which sub-hour
 * buckets need.
 */
function chartBucket(window: TimeWindow): string {
  const spanMs = window.kind === 'preset' ? { '1h': 3_600_000, '24h': 86_400_000, '7d': 7 * 86_400_000, '30d': 30 * 86_400_000 }[window.value] : Date.parse(window.to) - Date.parse(window.from);
  if (!(spanMs > 3 * 3_600_000)) return '5m';
  if (spanMs <= 2 * 86_400_000) return '1h';
  if (spanMs <= 10 * 86_400_000) return '6h';
  return '1d';
}
