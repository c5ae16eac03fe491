import Fastify, { type FastifyError, type FastifyInstance, type FastifyRequest } from 'fastify';
import { newUlid } from '../ids/new-ulid.js';
import { dialects } from '../dialects/dialects.js';
import { GatewayError } from '../errors/gateway-error.js';
import { authenticate } from '../policy/authenticate.js';
import './fastify-augmentation.js';
import { answerClientError } from './answer-client-error.js';
import { installApiVersioning } from './api-version/api-version-hook.js';
import type { ApiVersionRegistry } from './api-version/api-versions.js';
import type { ConnectionDrain } from './connection-drain.js';
import { registerCors } from './cors-policy.js';
import { isNestedDeeperThan, maximumJsonNestingDepth } from './http/json-nesting-depth.js';
import type { GatewayServices } from './gateway-services.js';
import type { ReloadOutcome } from './reload/config-reloader.js';
import type { ServicesHolder } from './reload/services-holder.js';
import { guessDialect } from './guess-dialect.js';
import { createRequestContext, toUsageRow } from './proxy/request-context.js';
import { renderGatewayError } from './proxy/write-gateway-error.js';
import { registerAdminRoutes } from './routes/admin-routes.js';
import { registerAnalyticsRoutes } from './routes/analytics-routes.js';
import { registerDashboardRoutes } from './routes/dashboard-routes.js';
import { registerCountTokensRoute } from './routes/count-tokens-route.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerHealthTargetsRoute } from './routes/health-targets-route.js';
import { registerMetricsRoute } from './routes/metrics-route.js';
import { registerModelRoutes } from './routes/model-routes.js';
import { geminiOperationOf, registerProxyRoutes } from './routes/proxy-routes.js';
import { registerUsageRoute } from './routes/usage-route.js';

export interface BuildAppOptions {
  bodyLimit: number;
  /** Re-reads the config and applies it (`POST /admin/reload`). */
  reload: () => Promise<ReloadOutcome>;
  /** The versions of Sluice's own API (`Sluice-API-Version`). */
  apiVersions: ApiVersionRegistry;
  /** The clean stop: counts what is in flight and refuses late requests in shape (see connection-drain.ts). */
  drain: ConnectionDrain;
}

/**
 * The HTTP application, without listening, so tests can also drive it in-process with `inject`. Every
 * handler takes `holder.current` once, when it starts (see reload/services-holder.ts).
 */
export async function buildApp(holder: ServicesHolder, options: BuildAppOptions): Promise<FastifyInstance> {
  const app = Fastify({
    logger: false,
    bodyLimit: options.bodyLimit,
    genReqId: () => newUlid(),
    // The stop is ConnectionDrain's: Fastify's would close idle keep-alive sockets under requests already on
    // the wire and answer late ones with its own 503 body, without a request id or a usage row.
    forceCloseConnections: false,
    return503OnClosing: false,
    keepAliveTimeout: 75_000,
    clientErrorHandler: answerClientError(holder.current.logger),
  });

  options.drain.install(app);
  installApiVersioning(app, options.apiVersions);
  await registerCors(app, () => holder.current.cors);
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (request, body, done) => {
    const text = body as string;
    request.rawBody = text;
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      done(new GatewayError('invalid_json', 'The request body is not valid JSON.'), undefined);
      return;
    }
    // Refused before any stage walks it: deep nesting would overflow recursive code further on.
    if (isNestedDeeperThan(parsed, maximumJsonNestingDepth)) {
      done(new GatewayError('invalid_request', `The request body is nested deeper than ${maximumJsonNestingDepth} levels.`), undefined);
      return;
    }
    done(null, parsed);
  });

  registerHealthRoutes(app, holder);
  registerModelRoutes(app, holder);
  registerProxyRoutes(app, holder);
  registerCountTokensRoute(app, holder);
  registerUsageRoute(app, holder);
  registerAdminRoutes(app, holder, { reload: options.reload });
  registerMetricsRoute(app, holder.current);
  registerHealthTargetsRoute(app, holder.current);
  registerAnalyticsRoutes(app, holder);

  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError('route_not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`);
    const rendered = renderGatewayError(dialects[guessDialect(request.url, request.headers)], error, request.id);
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const services = holder.current;
    const gatewayError = toGatewayError(error, services);
    const dialectName = request.routeOptions.config.dialect ?? guessDialect(request.url, request.headers);
    const dialect = dialects[dialectName];
    if (request.routeOptions.config.proxyRoute) await recordRejectedRequest(request, gatewayError, services);
    const rendered = renderGatewayError(dialect, gatewayError, request.id);
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  });

  // Last, after the handlers above: registering a plugin (here @fastify/static) loads everything declared so
  // far, and routes built then would keep Fastify's default error handler instead of the gateway's.
  await registerDashboardRoutes(app, holder.current);
  return app;
}

/** Errors raised by the server before a handler ran (body parsing, limits) in the gateway's own terms. */
function toGatewayError(error: FastifyError, services: GatewayServices): GatewayError {
  if (error instanceof GatewayError) return error;
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new GatewayError('payload_too_large', 'The request body is larger than this gateway accepts.');
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return new GatewayError('unsupported_media_type', 'Send the request body as application/json.');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new GatewayError('invalid_json', 'The request body is empty or not valid JSON.');
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new GatewayError('invalid_request', 'The Content-Length header does not match the body.');
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new GatewayError('invalid_request', error.message, { status: error.statusCode });
  }
  services.logger.error({ err: error }, 'unhandled server error');
  return new GatewayError('internal_error', 'Internal gateway error.');
}

/** A model call refused before its handler still leaves a usage row, attributed to its key if it had one. */
async function recordRejectedRequest(request: FastifyRequest, error: GatewayError, services: GatewayServices): Promise<void> {
  const dialect = dialects[request.routeOptions.config.dialect ?? 'openai-chat'];
  // Gemini's routes are one wildcard for every method: its method, in the URL, says the operation.
  const operation = request.routeOptions.config.operation ?? geminiOperationOf(request.url) ?? 'chat';
  const context = createRequestContext(request.id, dialect, performance.now(), operation);
  try {
    context.caller = await authenticate(request.headers, services.keyView);
  } catch {
    // Unattributed: the row still says what happened.
  }
  context.statusCode = error.status;
  context.outcome = 'error';
  context.errorCode = error.reason ?? error.code;
  const row = toUsageRow(context, performance.now(), services.pricingEpoch);
  services.usageWriter.enqueue(row);
  services.metrics.recordCall(row, undefined);
}
