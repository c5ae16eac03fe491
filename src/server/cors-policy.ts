import cors from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** Browsers on the same machine (a local dashboard, a notebook) are allowed without configuration. */
const localOrigin = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

/**
 * CORS for browser clients: an allow-list of origins (default: none beyond localhost), preflight answered,
 * and the allowed origin echoed rather than `*`, so credentials are never offered to any site at all.
 * A `*` entry allows every origin, and then without credentials.
 */
export async function registerCors(app: FastifyInstance, origins: readonly string[]): Promise<void> {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  await app.register(cors, {
    origin: (origin, callback) => {
      // Requests without an Origin header are not from a browser page: CORS does not apply.
      if (origin === undefined) return callback(null, false);
      callback(null, anyOrigin || allowed.has(origin) || localOrigin.test(origin));
    },
    credentials: !anyOrigin,
    methods: ['GET', 'HEAD', 'POST'],
    exposedHeaders: [
      'x-sluice-request-id',
      'x-sluice-provider',
      'x-sluice-model',
      'x-sluice-cache',
      'x-sluice-warning',
      'x-sluice-budget-warning',
      'x-ratelimit-limit-requests',
      'x-ratelimit-remaining-requests',
      'x-ratelimit-reset-requests',
      'x-ratelimit-limit-tokens',
      'x-ratelimit-remaining-tokens',
      'x-ratelimit-reset-tokens',
      'retry-after',
    ],
    maxAge: 600,
  });
}
