import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { activityReport } from '../../analytics/activity-report.js';
import type { AnalyticsContext } from '../../analytics/analytics-context.js';
import { filterParameterNames, parameter, windowParameterNames, type QueryParameters } from '../../analytics/analytics-query.js';
import { costReport } from '../../analytics/cost-report.js';
import { byKeyReport, byTeamReport, byUserReport } from '../../analytics/identity-report.js';
import { requestDetailReport } from '../../analytics/request-detail.js';
import { requestLogReport } from '../../analytics/request-log.js';
import { routingReport } from '../../analytics/routing-report.js';
import { runsReport } from '../../analytics/runs-report.js';
import { parseComparedRuns } from '../../analytics/compare-runs.js';
import { parseOutcomes } from '../../analytics/outcome-input.js';
import { timeseriesReport } from '../../analytics/timeseries-report.js';
import { authenticateOperator } from '../../policy/authenticate-operator.js';
import { refuseUnknownQueryParameters } from '../http/refuse-unknown-query-parameters.js';
import type { ServicesHolder } from '../reload/services-holder.js';
import { answerJson } from '../http/answer-json.js';

type Report = (query: QueryParameters, context: AnalyticsContext) => Promise<Record<string, unknown>>;

/** What every report is scoped by. */
const scopeParameters = [...windowParameterNames, ...filterParameterNames];

/**
 * Each report and the query parameters it takes: any other is a 400 listing these. docs/admin-api.md's "Analytics
 * API" documents them and the dashboard sends them; keep the three in step.
 */
const reports: ReadonlyArray<{ path: string; report: Report; parameters: readonly string[] }> = [
  { path: '/analytics/cost', report: costReport, parameters: [...scopeParameters, 'group_by'] },
  { path: '/analytics/timeseries', report: timeseriesReport, parameters: [...scopeParameters, 'bucket', 'metric', 'group_by'] },
  { path: '/analytics/activity', report: activityReport, parameters: scopeParameters },
  { path: '/analytics/routing', report: routingReport, parameters: scopeParameters },
  { path: '/analytics/by_team', report: byTeamReport, parameters: scopeParameters },
  { path: '/analytics/by_user', report: byUserReport, parameters: scopeParameters },
  { path: '/analytics/by_key', report: byKeyReport, parameters: scopeParameters },
  { path: '/analytics/requests', report: requestLogReport, parameters: [...scopeParameters, 'outcome', 'cached', 'status_code', 'limit', 'cursor'] },
  // Runs are read from rows by run, not from the rollups: they take the window and a limit, not the filters.
  { path: '/analytics/runs', report: runsReport, parameters: [...windowParameterNames, 'limit'] },
];

/**
 * `/analytics/*`: spend, activity and the request log for admin and analytics keys (see docs/admin-api.md,
 * "Analytics API", for the contract). Sums come from the usage rollups, never from raw rows; only the
 * request log reads rows, by index.
 */
export function registerAnalyticsRoutes(app: FastifyInstance, holder: ServicesHolder): void {
  const answer = (parameters: readonly string[], build: (request: FastifyRequest, context: AnalyticsContext) => Promise<Record<string, unknown>>) => async (request: FastifyRequest, reply: FastifyReply) => {
    // Read once: budgets follow the limit defaults in force when the request arrived (a reload may change them).
    const services = holder.current;
    await authenticateOperator(request, services, 'analytics');
    refuseUnknownQueryParameters(request.query, parameters);
    const context: AnalyticsContext = {
      store: services.store,
      now: services.clock(),
      keys: new Map((await services.store.listKeys()).map((key) => [key.id, key])),
      principals: services.principals,
      limitDefaults: services.limitDefaults,
      budgetLedger: services.budgetLedger,
      groups: services.router.groups,
    };
    answerJson(reply, await build(request, context));
  };
  for (const { path, report, parameters } of reports) app.get(path, answer(parameters, (request, context) => report(request.query as QueryParameters, context)));
  // Runs compared whole (all their calls, by the run index), not by window, in the compare thread: at the
  // 200,000-call bound reading and resampling take seconds, which the event loop must not spend.
  app.get('/analytics/compare', async (request, reply) => {
    const services = holder.current;
    await authenticateOperator(request, services, 'analytics');
    refuseUnknownQueryParameters(request.query, ['runs']);
    const runs = parseComparedRuns(parameter(request.query as QueryParameters, 'runs'));
    answerJson(reply, await services.runComparer.compare(runs, untilCallerLeaves(reply)));
  });
  app.get('/analytics/requests/:id', answer([], (request, context) => requestDetailReport((request.params as { id: string }).id, context)));

  // Outcomes of evaluation trials (issue 22 §1): one object or an array; a (run, trial) recorded again is replaced.
  app.post('/analytics/outcomes', async (request, reply) => {
    const services = holder.current;
    await authenticateOperator(request, services, 'analytics');
    refuseUnknownQueryParameters(request.query, []);
    const { outcomes, bulk } = parseOutcomes(request.body, services.clock());
    const writes = await services.store.recordOutcomes(outcomes);
    const data = outcomes.map((outcome, index) => ({ run: outcome.run, trial: outcome.trial, result: writes[index]! }));
    if (!bulk) {
      answerJson(reply, { object: 'analytics.outcome', ...data[0] }, { status: writes[0] === 'created' ? 201 : 200 });
      return;
    }
    const created = writes.filter((write) => write === 'created').length;
    answerJson(reply, { object: 'list', created, replaced: writes.length - created, data });
  });
}

/** Aborted when the answer's connection closes before the answer was written: the caller went away. */
function untilCallerLeaves(reply: FastifyReply): AbortSignal {
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  return controller.signal;
}
