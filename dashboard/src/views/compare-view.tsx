import { compareCharts, runPalette } from '../../../src/analytics/compare-chart.js';
import { differenceLabel, differenceMeasures, percent as reportPercent, runMeasures, usd as reportUsd } from '../../../src/analytics/compare-format.js';
import { useState } from 'preact/hooks';
import { ApiError } from '../api.js';
import { IntervalChartFigure } from '../components/interval-chart.js';
import { SortableTable } from '../components/sortable-table.js';
import { LoadStatus } from '../components/status.js';
import type { CompareReport, RunRow, RunsAnswer } from '../contract.js';
import { count, dateTime, percent, usd } from '../format.js';
import { scopeQuery, windowLabel, type Scope } from '../scope.js';
import { useApi } from '../use-api.js';

/** The view compares two or three runs (the API takes up to five; three side by side still read on a laptop). */
export const mostComparedRuns = 3;
const letters = ['A', 'B', 'C'];

/** `runs=a,b` in the view's part of the URL: the selection, in order (the first is the baseline). */
export function selectedRuns(query: string): string[] {
  const text = query
    .split('&')
    .find((part) => part.startsWith('runs='))
    ?.slice('runs='.length);
  if (!text) return [];
  const runs = text.split(',').flatMap((run) => {
    try {
      const name = decodeURIComponent(run).trim();
      return name === '' ? [] : [name];
    } catch {
      return [];
    }
  });
  return [...new Set(runs)].slice(0, mostComparedRuns);
}

/** The query that selects `runs` (commas kept readable: a run id cannot hold one). */
export function runsQuery(runs: readonly string[]): string {
  return runs.length === 0 ? '' : `runs=${runs.map(encodeURIComponent).join(',')}`;
}

/**
 * Evaluation runs side by side (`GET /analytics/compare`): pick two or three of the window's runs
 * (`GET /analytics/runs`), the first picked is the baseline. The selection lives in the URL, so a link
 * shows the same comparison to whoever opens it; runs are compared whole, whatever the window.
 */
export function CompareView(props: { scope: Scope; query: string; onSelect: (query: string) => void }) {
  const selection = selectedRuns(props.query);
  const select = (runs: string[]) => props.onSelect(runsQuery(runs));
  const runs = useApi<RunsAnswer>(`/analytics/runs?${scopeQuery({ window: props.scope.window, identity: null })}`);
  const toggle = (run: string) => select(selection.includes(run) ? selection.filter((name) => name !== run) : [...selection, run].slice(0, mostComparedRuns));
  return (
    <div class="view" data-testid="compare-view">
      <section class="panel">
        <header class="panel-header">
          <h2>Runs</h2>
          <span class="muted small">with calls in the {windowLabel(props.scope.window)}</span>
        </header>
        <p class="muted small">
          Pick two or three runs: the first is the baseline (A) the others are measured against. Label a run's calls with <code>x-sluice-run</code> and{' '}
          <code>x-sluice-trial</code>, and record what a verifier said with <code>POST /analytics/outcomes</code>.
        </p>
        <SelectionChips selection={selection} onChange={select} />
        <LoadStatus state={runs} what="the runs" />
        {runs.data && (
          <SortableTable<RunRow>
            rows={runs.data.data}
            rowKey={(row) => row.run}
            empty="No evaluation run has calls in this window: pick a longer one, or label calls with x-sluice-run."
            columns={[
              {
                id: 'pick',
                label: 'Compare',
                render: (row) => {
                  const position = selection.indexOf(row.run);
                  return (
                    <label class="pick">
                      <input
                        type="checkbox"
                        aria-label={`Compare ${row.run}`}
                        checked={position !== -1}
                        disabled={position === -1 && selection.length >= mostComparedRuns}
                        onChange={() => toggle(row.run)}
                      />
                      <span aria-hidden="true">{position === -1 ? '' : letters[position]}</span>
                    </label>
                  );
                },
              },
              { id: 'run', label: 'Run', sortValue: (row) => row.run, render: (row) => <span class="nowrap">{row.run}</span> },
              { id: 'calls', label: 'Calls', numeric: true, sortValue: (row) => row.calls, render: (row) => count(row.calls) },
              { id: 'trials', label: 'Trials', numeric: true, sortValue: (row) => row.trials, render: (row) => count(row.trials) },
              { id: 'outcomes', label: 'Outcomes', numeric: true, sortValue: (row) => row.outcomes, render: (row) => count(row.outcomes) },
              { id: 'pass', label: 'Pass rate', numeric: true, sortValue: (row) => row.pass_rate, render: (row) => percent(row.pass_rate) },
              { id: 'cost', label: 'Cost', numeric: true, sortValue: (row) => row.cost_usd, render: (row) => usd(row.cost_usd) },
              { id: 'last', label: 'Last call', sortValue: (row) => row.last_call_at, render: (row) => <span class="nowrap">{dateTime(row.last_call_at)}</span> },
            ]}
          />
        )}
      </section>
      {selection.length < 2 ? (
        <p class="muted" data-testid="compare-hint">
          {selection.length === 0 ? 'Pick two or three runs to compare them.' : 'Pick one or two more runs to compare with the baseline.'}
        </p>
      ) : (
        <ComparedRuns runs={selection} onRemove={(run) => select(selection.filter((name) => name !== run))} />
      )}
    </div>
  );
}

/** The picked runs in order, each removable; a later one can become the baseline. */
function SelectionChips(props: { selection: string[]; onChange: (runs: string[]) => void }) {
  if (props.selection.length === 0) return null;
  return (
    <ol class="selection" aria-label="Compared runs" data-testid="compare-selection">
      {props.selection.map((run, index) => (
        <li key={run} class="chip">
          <span class="swatch-dot" style={{ background: runPalette[index] }} aria-hidden="true" />
          <strong>{letters[index]}</strong> {run}
          {index === 0 ? (
            <span class="muted small">baseline</span>
          ) : (
            <button type="button" class="link" onClick={() => props.onChange([run, ...props.selection.filter((name) => name !== run)])}>
              make baseline
            </button>
          )}
          <button type="button" aria-label={`Remove ${run}`} onClick={() => props.onChange(props.selection.filter((name) => name !== run))}>
            ×
          </button>
        </li>
      ))}
    </ol>
  );
}

/** The compare report of the picked runs: charts, every measure per run, the mix, and B − A with intervals. */
function ComparedRuns(props: { runs: string[]; onRemove: (run: string) => void }) {
  const [attempt, setAttempt] = useState(0);
  const report = useApi<CompareReport>(`/analytics/compare?${runsQuery(props.runs)}`, attempt);
  const error = report.error;
  if (error instanceof ApiError && error.code === 'run_not_found') {
    const missing = props.runs.find((run) => error.message.includes(`'${run}'`));
    return (
      <section class="panel" role="alert" data-testid="compare-error">
        <p class="error">{error.message}</p>
        <p class="muted small">The run has no calls or outcomes (a typo in a shared link, or its rows are past their retention).</p>
        {missing !== undefined && (
          <button type="button" class="secondary" onClick={() => props.onRemove(missing)}>
            Remove {missing}
          </button>
        )}
      </section>
    );
  }
  if (error) {
    return (
      <section class="panel" role="alert" data-testid="compare-error">
        <p class="error">
          {error instanceof ApiError && error.code === 'compare_busy' ? 'The gateway is building other compares right now.' : `Could not compare the runs: ${error.message}`}
        </p>
        <button type="button" class="secondary" onClick={() => setAttempt(attempt + 1)}>
          Try again
        </button>
      </section>
    );
  }
  if (!report.data) return <p class="muted">Comparing {props.runs.join(', ')}… (a large run takes a few seconds)</p>;
  const data = report.data;
  return (
    <>
      <section class="panel" data-testid="compare-charts">
        <h2>At a glance</h2>
        <div class="interval-charts">
          {compareCharts(data).map((chart) => (
            <IntervalChartFigure key={chart.id} chart={chart} />
          ))}
        </div>
        <p class="muted small">
          Bars are the runs' values, whiskers their 95% intervals: bootstrap over trials ({count(data.bootstrap.resamples)} resamples, seed {data.bootstrap.seed}).
        </p>
      </section>
      <section class="panel">
        <h2>Runs side by side</h2>
        <div class="table-scroll">
          <table class="compare-table" data-testid="compare-runs">
            <thead>
              <tr>
                <th />
                {data.runs.map((run, index) => (
                  <th key={run.run} class="numeric" scope="col">
                    {letters[index]} · {run.run}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {runMeasures().map((measure) => (
                <tr key={measure.label}>
                  <th scope="row">{measure.label}</th>
                  {data.runs.map((run) => (
                    <td key={run.run} class="numeric">
                      <MeasureText text={measure.valueOf(run)} />
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {data.differences.length > 0 && (
        <section class="panel">
          <h2>Differences from {data.runs[0]!.run}</h2>
          <div class="table-scroll">
            <table class="compare-table" data-testid="compare-differences">
              <thead>
                <tr>
                  <th />
                  {differenceMeasures().map((column) => (
                    <th key={column.label} class="numeric" scope="col">
                      {column.label}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {data.differences.map((difference) => (
                  <tr key={difference.run}>
                    <th scope="row">{differenceLabel(difference)}</th>
                    {differenceMeasures().map((column) => (
                      <td key={column.label} class="numeric">
                        <MeasureText text={column.valueOf(difference)} />
                      </td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p class="muted small">B − A with its 95% interval: an interval that does not cross zero is a difference the trials support.</p>
        </section>
      )}
      <section class="panel">
        <h2>Provider and model mix</h2>
        <div class="table-scroll">
          <table class="compare-table" data-testid="compare-mix">
            <thead>
              <tr>
                <th scope="col">Run</th>
                <th scope="col">provider:model</th>
                <th class="numeric" scope="col">Calls</th>
                <th class="numeric" scope="col">Share of calls</th>
                <th class="numeric" scope="col">Cost</th>
                <th class="numeric" scope="col">Share of cost</th>
              </tr>
            </thead>
            <tbody>
              {data.runs.flatMap((run) =>
                run.mix.map((target) => (
                  <tr key={`${run.run} ${target.target}`}>
                    <td>{run.run}</td>
                    <td>{target.target}</td>
                    <td class="numeric">{count(target.calls)}</td>
                    <td class="numeric">{reportPercent(target.call_share)}</td>
                    <td class="numeric">{reportUsd(target.cost_usd)}</td>
                    <td class="numeric">{reportPercent(target.cost_share)}</td>
                  </tr>
                )),
              )}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}

/** A measure as the report formats it; a narrow column breaks the line before its interval, never inside it. */
function MeasureText(props: { text: string }) {
  const bracket = props.text.indexOf(' [');
  if (bracket === -1) return <span class="nowrap">{props.text}</span>;
  return (
    <>
      <span class="nowrap">{props.text.slice(0, bracket)}</span> <span class="nowrap">{props.text.slice(bracket + 1)}</span>
    </>
  );
}
