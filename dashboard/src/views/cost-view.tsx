import { useState } from 'preact/hooks';
import { Card, CardRow } from '../components/card.js';
import { Pills } from '../components/pills.js';
import { SortableTable } from '../components/sortable-table.js';
import { LoadStatus } from '../components/status.js';
import { TimeChart } from '../components/time-chart.js';
import type { CostAnswer, Measures, TimeseriesAnswer } from '../contract.js';
import { compact, count, percent, plural, tokens, usd } from '../format.js';
import { scopeQuery, type Scope } from '../scope.js';
import { useApi } from '../use-api.js';

type StackBy = 'model' | 'provider';

/** Spend, calls, tokens and savings for the scope; spend over time stacked by model or provider; a table by model. */
export function CostView(props: { scope: Scope }) {
  const [stackBy, setStackBy] = useState<StackBy>('model');
  const cost = useApi<CostAnswer>(`/analytics/cost?${scopeQuery(props.scope, { group_by: 'model' })}`);
  const series = useApi<TimeseriesAnswer>(`/analytics/timeseries?${scopeQuery(props.scope, { metric: 'cost', group_by: stackBy })}`);
  const totals = cost.data?.totals;
  return (
    <div class="view" data-testid="cost-view">
      <LoadStatus state={cost} what="costs" />
      {totals && <CostCards totals={totals} />}
      <section class="panel">
        <header class="panel-header">
          <h2>Spend over time</h2>
          <Pills
            label="Stack by"
            options={[
              { value: 'model', label: 'By model' },
              { value: 'provider', label: 'By provider' },
            ]}
            selected={stackBy}
            onSelect={setStackBy}
          />
        </header>
        <LoadStatus state={series} what="the spend chart" />
        {series.data && (
          <TimeChart
            title={`Spend per ${series.data.bucket}, stacked by ${stackBy}`}
            mode="stacked"
            buckets={series.data.buckets}
            series={series.data.series.map((entry) => ({ label: entry.group ?? `(no ${stackBy})`, values: entry.values }))}
            format={usd}
          />
        )}
      </section>
      <section class="panel">
        <h2>By model</h2>
        {cost.data && (
          <SortableTable
            rows={cost.data.data}
            rowKey={(row) => row.group ?? '(none)'}
            initialSort={{ column: 'cost', descending: true }}
            columns={[
              { id: 'model', label: 'Model', sortValue: (row) => row.group, render: (row) => row.group ?? <span class="muted">(no model)</span> },
              { id: 'calls', label: 'Calls', numeric: true, sortValue: (row) => row.calls, render: (row) => count(row.calls) },
              { id: 'errors', label: 'Errors', numeric: true, sortValue: (row) => row.errors, render: (row) => count(row.errors) },
              { id: 'input', label: 'Input', numeric: true, sortValue: (row) => row.input_tokens, render: (row) => compact(row.input_tokens) },
              { id: 'output', label: 'Output', numeric: true, sortValue: (row) => row.output_tokens, render: (row) => compact(row.output_tokens) },
              { id: 'cost', label: 'Spend', numeric: true, sortValue: (row) => row.cost_usd, render: (row) => usd(row.cost_usd) },
              {
                id: 'billed',
                label: 'Billed by upstream',
                numeric: true,
                // What the upstreams reported they billed (OpenRouter-style usage.cost): a dash where none reported it.
                sortValue: (row) => row.billed_cost_usd ?? -1,
                render: (row) => usd(row.billed_cost_usd),
              },
              { id: 'share', label: 'Share', numeric: true, sortValue: (row) => row.cost_usd, render: (row) => percent(totals && totals.cost_usd > 0 ? row.cost_usd / totals.cost_usd : null) },
              { id: 'saved', label: 'Saved by cache', numeric: true, sortValue: (row) => row.saved_usd, render: (row) => usd(row.saved_usd) },
            ]}
          />
        )}
      </section>
    </div>
  );
}

function CostCards(props: { totals: Measures }) {
  const { totals } = props;
  return (
    <CardRow>
      <Card testId="card-spend" label="Spend" value={usd(totals.cost_usd)} detail={plural(totals.calls, 'call')} />
      <Card testId="card-calls" label="Calls" value={count(totals.calls)} detail={`${plural(totals.errors, 'error')} · ${count(totals.cancelled)} cancelled`} />
      <Card
        testId="card-tokens"
        label="Tokens"
        value={tokens(totals.input_tokens + totals.output_tokens)}
        detail={`${compact(totals.input_tokens)} in · ${compact(totals.output_tokens)} out`}
      />
      <SavingsCard totals={totals} />
    </CardRow>
  );
}

/** What the response cache saved in the window, and how often it answered. */
export function SavingsCard(props: { totals: Measures }) {
  const { totals } = props;
  return (
    <Card
      testId="card-savings"
      label="Saved by cache"
      value={usd(totals.saved_usd)}
      detail={`${plural(totals.cache_hits, 'hit')} · ${percent(totals.calls > 0 ? totals.cache_hits / totals.calls : null)} hit rate`}
    />
  );
}
