import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { activityReport } from '../../analytics/activity-report.js';
import type { AnalyticsContext } from '../../analytics/analytics-context.js';
import type { QueryParameters } from '../../analytics/analytics-query.js';
import { costReport } from '../../analytics/cost-report.js';
import { byKeyReport, byTeamReport, byUserReport } from '../../analytics/identity-report.js';
import { requestDetailReport } from '../../analytics/request-detail.js';
import { requestLogReport } from '../../analytics/request-log.js';
import { timeseriesReport } from '../../analytics/timeseries-report.js';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { authenticateOperator } from '../../policy/authenticate-operator.js';
import type { GatewayServices } from '../gateway-services.js';
import { hijackReply } from '../hijack-reply.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';
import { sluiceApiVersion } from './health-routes.js';

type Report = (query: QueryParameters, context: AnalyticsContext) => Promise<Record<string, unknown>>;

const reports: ReadonlyArray<[path: string, report: Report]> = [
  ['/analytics/cost', costReport],
  ['/analytics/timeseries', timeseriesReport],
  ['/analytics/activity', activityReport],
  ['/analytics/by_team', byTeamReport],
  ['/analytics/by_user', byUserReport],
  ['/analytics/by_key', byKeyReport],
  ['/analytics/requests', requestLogReport],
];

/**
 * `/analytics/*`: spend, activity and the request log for admin and analytics keys (see the README's
 * "Analytics API" for the contract). Sums come from the usage rollups, never from raw rows; only the
 * request log reads rows, by index.
 */
export function registerAnalyticsRoutes(app: FastifyInstance, services: GatewayServices): void {
  const answer = (build: (request: FastifyRequest, context: AnalyticsContext) => Promise<Record<string, unknown>>) => async (request: FastifyRequest, reply: FastifyReply) => {
    const response = hijackReply(reply);
    try {
      await authenticateOperator(request, services, 'analytics');
      const context: AnalyticsContext = {
        store: services.store,
        now: services.clock(),
        keys: new Map((await services.store.listKeys()).map((key) => [key.id, key])),
        principals: services.principals,
        limitDefaults: services.limitDefaults,
        budgetLedger: services.budgetLedger,
      };
      const body = JSON.stringify(await build(request, context));
      response.writeHead(200, { 'content-type': 'application/json', 'sluice-api-version': sluiceApiVersion });
      response.end(body);
    } catch (error) {
      const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', 'Internal gateway error.');
      if (!(error instanceof GatewayError)) services.logger.error({ err: error }, 'analytics request failed');
      writeGatewayError(response, dialects['openai-chat'], gatewayError, request.id, { 'sluice-api-version': sluiceApiVersion });
    }
  };
  for (const [path, report] of reports) app.get(path, answer((request, context) => report(request.query as QueryParameters, context)));
  app.get('/analytics/requests/:id', answer((request, context) => requestDetailReport((request.params as { id: string }).id, context)));
}
