import type { FastifyInstance } from 'fastify';
import type { TargetHealthReport } from '../../metrics/target-health.js';
import { authenticateOperator } from '../../policy/authenticate-operator.js';
import type { GatewayServices } from '../gateway-services.js';
import { refuseUnknownQueryParameters } from '../http/refuse-unknown-query-parameters.js';
import { answerJson } from '../http/answer-json.js';

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
    await authenticateOperator(request, services, 'metrics');
    refuseUnknownQueryParameters(request.query, []);
    const { router } = services;
    const report = services.metrics.healthReport({
      groups: router.groups,
      cooldownStatus: (targetId) => router.cooldownStatus(targetId),
      routingEstimateMs: (targetId) => router.stats.timeToFirstTokenMs(targetId),
    });
    const answer: TargetHealthAnswer = { object: 'target_health', generatedAt: new Date(services.clock()).toISOString(), ...report };
    answerJson(reply, answer);
  });
}
