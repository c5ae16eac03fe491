import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { dashboardAssetsDirectory, dashboardSecurityHeaders } from '../../dashboard/dashboard-assets.js';
import { fromAnotherOrigin } from '../../dashboard/request-origin.js';
import { clearedSessionCookie, readSessionToken, sessionCookie } from '../../dashboard/session-cookie.js';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { roleGrants } from '../../domain/key-role.js';
import { authenticate } from '../../policy/authenticate.js';
import { authenticateOperator } from '../../policy/authenticate-operator.js';
import type { KeyView } from '../../policy/key-view.js';
import type { KeyRecord } from '../../domain/key-record.js';
import type { GatewayServices } from '../gateway-services.js';
import { renderGatewayError } from '../proxy/write-gateway-error.js';
import { parseAdminBody } from './parse-admin-body.js';

const loginBody = z.object({ key: z.string().max(512) }).strict();

/** One message for every refused login, so the page cannot be used to tell a revoked key from a wrong one. */
const refusedLogin = 'This key cannot open the dashboard: it needs a valid, unrevoked admin or analytics key.';

/** Who is logged in, as `POST /dashboard/login` and `GET /dashboard/session` say; the dashboard reads it through this type. */
export interface DashboardSession {
  object: 'dashboard.session';
  key_id: string;
  key_name: string;
  role: KeyRecord['role'];
  /** Login only: when the session ends. */
  expires_at?: string;
}

function sessionJson(key: KeyRecord, expiresAt?: number): DashboardSession {
  const session: DashboardSession = { object: 'dashboard.session', key_id: key.id, key_name: key.name, role: key.role };
  if (expiresAt !== undefined) session.expires_at = new Date(expiresAt).toISOString();
  return session;
}

/**
 * `/dashboard/`: the built single-page dashboard (static files, strict CSP), and its session endpoints.
 * `POST /dashboard/login` takes a key in a JSON body (a cross-site form cannot send JSON) and answers with
 * the session cookie; `POST /dashboard/logout` ends it; `GET /dashboard/session` says who is logged in.
 */
export async function registerDashboardRoutes(app: FastifyInstance, services: GatewayServices): Promise<void> {
  const answer = async (request: FastifyRequest, reply: FastifyReply, handler: () => Promise<unknown>) => {
    reply.headers({ 'cache-control': 'no-store' });
    try {
      return reply.code(200).header('content-type', 'application/json').send(JSON.stringify(await handler()));
    } catch (error) {
      const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', 'Internal gateway error.');
      if (!(error instanceof GatewayError)) services.logger.error({ err: error }, 'dashboard request failed');
      const rendered = renderGatewayError(dialects['openai-chat'], gatewayError, request.id);
      return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
    }
  };
  const secure = (request: FastifyRequest) => request.protocol === 'https';

  app.post('/dashboard/login', (request, reply) =>
    answer(request, reply, async () => {
      // A page of another origin (even another port of this host) may not log this browser in.
      if (fromAnotherOrigin(request.headers)) throw new GatewayError('permission_denied', 'Log in from the dashboard page itself.');
      const { key: token } = parseAdminBody(loginBody, request.body);
      const key = await keyAllowedToLogIn(token, services.keyView);
      const session = await services.dashboardSessions.create(key);
      reply.header('set-cookie', sessionCookie(session.token, { maxAgeSeconds: Math.floor(services.dashboardSessions.lifetimeMs / 1000), secure: secure(request) }));
      return sessionJson(key, session.expiresAt);
    }),
  );

  app.post('/dashboard/logout', (request, reply) =>
    answer(request, reply, async () => {
      const token = readSessionToken(request.headers);
      if (token !== undefined) await services.dashboardSessions.end(token);
      reply.header('set-cookie', clearedSessionCookie({ secure: secure(request) }));
      return { object: 'dashboard.logout', ended: token !== undefined };
    }),
  );

  app.get('/dashboard/session', (request, reply) =>
    answer(request, reply, async () => {
      const key = await authenticateOperator(request, services, 'analytics');
      return sessionJson(key);
    }),
  );

  app.get('/dashboard', (_request, reply) => reply.code(302).headers(dashboardSecurityHeaders).header('location', '/dashboard/').send());

  const assets = dashboardAssetsDirectory();
  if (!assets) {
    app.get('/dashboard/*', (_request, reply) =>
      reply.code(503).header('content-type', 'text/plain; charset=utf-8').send('The dashboard is not built: run `npm run build`.\n'),
    );
    return;
  }
  await app.register(fastifyStatic, {
    root: assets,
    prefix: '/dashboard/',
    decorateReply: false,
    index: 'index.html',
    // Names are stable (no content hash), so the browser revalidates every load by ETag.
    cacheControl: false,
    setHeaders: (reply) => {
      reply.header('cache-control', 'no-cache').headers(dashboardSecurityHeaders);
    },
  });
}

/** The key a login presents, if it is valid, unrevoked and may read analytics; else one 401 for every reason. */
async function keyAllowedToLogIn(token: string, keyView: KeyView): Promise<KeyRecord> {
  let key: KeyRecord;
  try {
    ({ key } = await authenticate({ 'x-api-key': token.trim() }, keyView));
  } catch (error) {
    // An outage is not a wrong key: the page says so (503) rather than "this key cannot log in".
    if (error instanceof GatewayError && error.code === 'store_unavailable') throw error;
    throw new GatewayError('invalid_api_key', refusedLogin);
  }
  if (!roleGrants(key.role, 'analytics')) throw new GatewayError('invalid_api_key', refusedLogin);
  return key;
}
