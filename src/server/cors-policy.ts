import cors, { type FastifyCorsOptions, type FastifyCorsOptionsDelegateCallback } from '@fastify/cors';
import type { FastifyInstance } from 'fastify';

/** Browsers on the same machine (a local dashboard, a notebook) are allowed without configuration. */
const localOrigin = /^https?:\/\/(localhost|127\.0\.0\.1|\[::1\])(:\d+)?$/;

const exposedHeaders = [
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
  'sluice-api-version',
  'deprecation',
  'sunset',
  'link',
];

/** The CORS options of one `cors.origins` list, built once per config (a reload builds a new one). */
export interface CorsPolicy {
  readonly options: FastifyCorsOptions;
}

/**
 * CORS for browser clients: an allow-list of origins (default: none beyond localhost), preflight answered,
 * and the allowed origin echoed rather than `*`, so credentials are never offered to any site at all.
 * A `*` entry allows every origin, and then without credentials.
 */
export function corsPolicyFor(origins: readonly string[]): CorsPolicy {
  const anyOrigin = origins.includes('*');
  const allowed = new Set(origins);
  return {
    options: {
      origin: (origin, callback) => {
        // Requests without an Origin header are not from a browser page: CORS does not apply.
        if (origin === undefined) return callback(null, false);
        callback(null, anyOrigin || allowed.has(origin) || localOrigin.test(origin));
      },
      credentials: !anyOrigin,
      methods: ['GET', 'HEAD', 'POST'],
      exposedHeaders,
      maxAge: 600,
    },
  };
}

/** Registers CORS with the policy in force when each request arrives, so a config reload changes it live. */
export async function registerCors(app: FastifyInstance, currentPolicy: () => CorsPolicy): Promise<void> {
  const delegate: FastifyCorsOptionsDelegateCallback = (_request, callback) => callback(null, currentPolicy().options);
  await app.register(cors, () => delegate);
}
