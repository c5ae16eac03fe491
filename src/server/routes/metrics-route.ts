import type { FastifyInstance } from 'fastify';
import { authenticateOperator } from '../../policy/authenticate-operator.js';
import type { GatewayServices } from '../gateway-services.js';
import { answerText } from '../http/answer-json.js';

/**
 * `GET /metrics`: this instance's Prometheus text exposition, for keys with the `metrics` (or `admin`) role;
 * no key 401, any other key 403. Each instance serves its own numbers: scrape every instance, not the load
 * balancer.
 */
export function registerMetricsRoute(app: FastifyInstance, services: GatewayServices): void {
  app.get('/metrics', async (request, reply) => {
    await authenticateOperator(request, services, 'metrics');
    const text = await services.metrics.exposition();
    answerText(reply, text, { 'content-type': services.metrics.contentType, 'cache-control': 'no-store' });
  });
}
