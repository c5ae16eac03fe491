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
import { serverErrorAsGatewayError } from './http/server-error-as-gateway-error.js';
import { registerDashboardRoutes } from './routes/dashboard-routes.js';
import { registerSluiceOwnedRoutes } from './routes/sluice-owned-routes.js';
import { registerCountTokensRoute } from './routes/count-tokens-route.js';
import { registerHealthRoutes } from './routes/health-routes.js';
import { registerModelRoutes } from './routes/model-routes.js';
import { geminiOperationOf, registerProxyRoutes } from './routes/proxy-routes.js';

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
  registerCors(app, () => holder.current.cors);
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

  app.setNotFoundHandler((request, reply) => {
    const error = new GatewayError('route_not_found', `No route for ${request.method} ${request.url.split('?')[0]}.`);
    const rendered = renderGatewayError(dialects[guessDialect(request.url, request.headers)], error, request.id);
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  });

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    const services = holder.current;
    const gatewayError = serverErrorAsGatewayError(error, services.logger);
    const dialectName = request.routeOptions.config.dialect ?? guessDialect(request.url, request.headers);
    const dialect = dialects[dialectName];
    if (request.routeOptions.config.proxyRoute) await recordRejectedRequest(request, gatewayError, services);
    const rendered = renderGatewayError(dialect, gatewayError, request.id);
    return reply.code(rendered.status).headers(rendered.headers).send(rendered.body);
  });

  // Sluice's own JSON API in a scope of its own, whose error handler answers what their handlers throw.
  registerSluiceOwnedRoutes(app, holder, { reload: options.reload });

  // Last, after the handlers above: registering a plugin (here @fastify/static) loads everything declared so
  // far, and routes built then would keep Fastify's default error handler instead of the gateway's.
  await registerDashboardRoutes(app, holder.current);
  return app;
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
