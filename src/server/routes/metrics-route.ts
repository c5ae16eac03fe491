import type { FastifyInstance } from 'fastify';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { authenticateOperator } from '../../policy/authenticate-operator.js';
import type { GatewayServices } from '../gateway-services.js';
import { hijackReply } from '../hijack-reply.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';

/**
 * `GET /metrics`: this instance's Prometheus text exposition, for keys with the `metrics` (or `admin`) role;
 * no key 401, any other key 403. Each instance serves its own numbers: scrape every instance, not the load
 * balancer.
 */
export function registerMetricsRoute(app: FastifyInstance, services: GatewayServices): void {
  app.get('/metrics', async (request, reply) => {
    const response = hijackReply(reply);
    try {
      await authenticateOperator(request, services, 'metrics');
      const text = await services.metrics.exposition();
      response.writeHead(200, { 'content-type': services.metrics.contentType, 'cache-control': 'no-store' });
      response.end(text);
    } catch (error) {
      const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', 'Internal gateway error.');
      if (!(error instanceof GatewayError)) services.logger.error({ err: error }, 'rendering /metrics failed');
      writeGatewayError(response, dialects['openai-chat'], gatewayError, request.id);
    }
  });
}
