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
  // Not ready while the store is unreachable: requests are still served (keys from memory, usage rows queued
  // and spooled), but a load balancer should prefer an instance that can also save admin changes. The body
  // says how much usage waits to be written; /healthz stays 200 throughout.
  app.get('/readyz', async (_request, reply) => {
    reply.header('sluice-api-version', sluiceApiVersion);
    if (!services.isReady()) return reply.code(503).send({ status: 'shutting_down' });
    const backlog = services.usageWriter.backlog;
    const { unavailableSince } = services.storeHealth;
    if (unavailableSince !== undefined) {
      return reply.code(503).send({ status: 'degraded', store: 'degraded', storeUnavailableSince: new Date(unavailableSince).toISOString(), ...backlog });
    }
    return { status: 'ready', store: 'ok', ...backlog };
  });
}
