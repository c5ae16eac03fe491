import type { FastifyInstance } from 'fastify';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { TargetHealthReport } from '../../metrics/target-health.js';
import { authenticateOperator } from '../../policy/authenticate-operator.js';
import type { GatewayServices } from '../gateway-services.js';
import { hijackReply } from '../hijack-reply.js';
import { refuseUnknownQueryParameters } from '../http/refuse-unknown-query-parameters.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';

/** What `GET /admin/health/targets` answers; the dashboard reads it through this type (dashboard/src/contract.ts). */
export type TargetHealthAnswer = TargetHealthReport & { object: 'target_health'; generatedAt: string };

/**
 * `GET /admin/health/targets` (admin or metrics keys): for each upstream target this instance has tried, and
 * every group target, its recent success rate and time to first byte (last 200 attempts within 5 minutes),
 * its last error (code, status, when; never the upstream's message) and its cooldown state. Per instance,
 * like /metrics: each instance sees its own attempts.
 */
export function registerHealthTargetsRoute(app: FastifyInstance, services: GatewayServices): void {
  app.get('/admin/health/targets', async (request, reply) => {
    const response = hijackReply(reply);
    try {
      await authenticateOperator(request, services, 'metrics');
      refuseUnknownQueryParameters(request.query, []);
      const { router } = services;
      const report = services.metrics.healthReport({
        groups: router.groups,
        cooldownStatus: (targetId) => router.cooldownStatus(targetId),
        routingEstimateMs: (targetId) => router.stats.timeToFirstTokenMs(targetId),
      });
      const answer: TargetHealthAnswer = { object: 'target_health', generatedAt: new Date(services.clock()).toISOString(), ...report };
      response.writeHead(200, { 'content-type': 'application/json' });
      response.end(JSON.stringify(answer));
    } catch (error) {
      const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', 'Internal gateway error.');
      if (!(error instanceof GatewayError)) services.logger.error({ err: error }, 'target health report failed');
      writeGatewayError(response, dialects['openai-chat'], gatewayError, request.id);
    }
  });
}
