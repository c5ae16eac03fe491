import type { FastifyInstance } from 'fastify';
import type { GatewayServices } from '../gateway-services.js';

export const sluiceApiVersion = '2026-11-22';

/** Liveness, readiness, and the root that Claude Code probes with `HEAD /` before its first call. */
export function registerHealthRoutes(app: FastifyInstance, services: GatewayServices): void {
  app.get('/', async (_request, reply) => {
    reply.header('sluice-api-version', sluiceApiVersion);
    return { name: 'sluice', status: 'ok' };
  });
  app.get('/healthz', async (_request, reply) => {
    reply.header('sluice-api-version', sluiceApiVersion);
    return { status: 'ok' };
  });
  app.get('/readyz', async (_request, reply) => {
    reply.header('sluice-api-version', sluiceApiVersion);
    if (!services.isReady()) return reply.code(503).send({ status: 'shutting_down' });
    return { status: 'ready' };
  });
}
