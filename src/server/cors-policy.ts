import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler } from 'fastify';

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
].join(', ');
const allowedMethods = 'GET, HEAD, POST';
/** Seconds a browser may reuse a preflight's answer. */
const preflightMaxAge = '600';

/** Which browser origins may read answers, for one `cors.origins` list, built once per config (a reload builds a new one). */
export interface CorsPolicy {
  allows(origin: string): boolean;
  /** Whether allowed pages may send credentials: not when a `*` entry allows every origin. */
  readonly credentials: boolean;
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
    allows: (origin) => anyOrigin || allowed.has(origin) || localOrigin.test(origin),
    credentials: !anyOrigin,
  };
}

/**
 * CORS with the policy in force when each request arrives, so a config reload changes it live. A hook of
 * our own rather than @fastify/cors: that plugin's per-request options (needed for a live policy) cost two
 * object spreads and closures on every call, Origin or not. A request without `Origin` is not from a browser
 * page, so it only gets `Vary: Origin` (a cache must not serve it to a page); the rest follows @fastify/cors'
 * behaviour: the allowed origin echoed, preflights answered 204 in the hook (before any authentication),
 * a preflight without `Access-Control-Request-Method` a 400, and one from an origin not allowed a 404.
 */
export function registerCors(app: FastifyInstance, currentPolicy: () => CorsPolicy): void {
  const hook: onRequestHookHandler = (request, reply, done) => {
    addToVary(reply, 'Origin');
    const origin = request.headers.origin;
    if (origin === undefined) return done();
    const policy = currentPolicy();
    if (!policy.allows(origin)) return done();
    reply.header('access-control-allow-origin', origin);
    if (policy.credentials) reply.header('access-control-allow-credentials', 'true');
    reply.header('access-control-expose-headers', exposedHeaders);
    if (request.raw.method !== 'OPTIONS') return done();
    answerPreflight(request, reply);
  };
  app.addHook('onRequest', hook);
  // Lets preflights reach the hook; one the hook did not answer (origin not allowed) is a 404.
  app.options('*', (_request, reply) => reply.callNotFound());
}

function answerPreflight(request: FastifyRequest, reply: FastifyReply): void {
  if (!request.headers['access-control-request-method']) {
    void reply.status(400).type('text/plain').send('Invalid Preflight Request');
    return;
  }
  reply.header('access-control-allow-methods', allowedMethods);
  addToVary(reply, 'Access-Control-Request-Headers');
  const requestedHeaders = request.headers['access-control-request-headers'];
  if (requestedHeaders !== undefined) reply.header('access-control-allow-headers', requestedHeaders);
  reply.header('access-control-max-age', preflightMaxAge);
  // Safari needs content-length 0 on a 204, or it waits for a body.
  void reply.code(204).header('content-length', '0').send();
}

/** Adds a field to the answer's `Vary`, unless it is there already or `Vary` is `*`. */
function addToVary(reply: FastifyReply, field: string): void {
  const current = reply.getHeader('vary');
  if (current === undefined) {
    reply.header('vary', field);
    return;
  }
  const listed = (Array.isArray(current) ? current.join(',') : String(current)).split(',').map((name) => name.trim().toLowerCase());
  if (listed.includes('*') || listed.includes(field.toLowerCase())) return;
  reply.header('vary', `${Array.isArray(current) ? current.join(', ') : String(current)}, ${field}`);
}
