import type { FastifyInstance } from 'fastify';
import type { ServicesHolder } from '../reload/services-holder.js';

/** Liveness, readiness, and the root that Claude Code probes with `HEAD /` before its first call. */
export function registerHealthRoutes(app: FastifyInstance, holder: ServicesHolder): void {
  app.get('/', async () => {
    return { name: 'sluice', status: 'ok' };
  });
  app.get('/healthz', async () => {
    return { status: 'ok' };
  });
  // Unready while the store is unreachable, though model calls are still served (keys from memory, usage
  // rows queued and spooled): the instance cannot save admin changes, and the body says how much usage waits
  // to be written. /healthz stays 200 throughout: the process is alive and must not be restarted for this.
  app.get('/readyz', async (_request, reply) => {
    const services = holder.current;
    if (!services.isReady()) return reply.code(503).send({ status: 'shutting_down' });
    const backlog = services.usageWriter.backlog;
    const { unavailableSince } = services.storeHealth;
    if (unavailableSince !== undefined) {
      return reply.code(503).send({ status: 'degraded', store: 'degraded', storeUnavailableSince: new Date(unavailableSince).toISOString(), ...backlog });
    }
    return { status: 'ready', store: 'ok', ...backlog };
  });
}
