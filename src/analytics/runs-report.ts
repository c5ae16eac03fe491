import type { RunSummary } from '../domain/eval-outcome.js';
import type { AnalyticsContext } from './analytics-context.js';
import { integerParameter, parseWindow, type QueryParameters } from './analytics-query.js';

const defaultLimit = 100;
const maximumLimit = 500;

/**
 * `GET /analytics/runs`: the evaluation runs with calls in the window (30 days unless told), most recently
 * active first. Read from the usage rows by their (run_id, created_at) index — runs are few and small — and
 * the outcomes recorded for them; pass rate and mean reward only where outcomes exist.
 */
export async function runsReport(query: QueryParameters, context: AnalyticsContext) {
  const window = parseWindow({ window: '30d', ...query }, context.now);
  const limit = integerParameter(query, 'limit', 1, maximumLimit) ?? defaultLimit;
  const runs = await context.store.summarizeRuns({ from: window.from, to: window.to, limit });
  return {
    object: 'analytics.runs',
    from: new Date(window.from).toISOString(),
    to: new Date(window.to).toISOString(),
    data: runs.map(runJson),
  };
}

export type RunsAnswer = Awaited<ReturnType<typeof runsReport>>;

function runJson(run: RunSummary) {
  return {
    run: run.run,
    calls: run.calls,
    trials: run.trials,
    outcomes: run.outcomes,
    passed: run.passed,
    pass_rate: run.outcomes === 0 ? null : run.passed / run.outcomes,
    mean_reward: run.outcomes === 0 ? null : run.rewardSum / run.outcomes,
    cost_usd: run.costUsd,
    first_call_at: new Date(run.firstCallAt).toISOString(),
    last_call_at: new Date(run.lastCallAt).toISOString(),
    groups: run.groups,
  };
}
