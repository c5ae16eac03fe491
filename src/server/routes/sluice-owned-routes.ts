import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { guessDialect } from '../guess-dialect.js';
import { hijackReply } from '../hijack-reply.js';
import { serverErrorAsGatewayError } from '../http/server-error-as-gateway-error.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';
import type { ReloadOutcome } from '../reload/config-reloader.js';
import type { ServicesHolder } from '../reload/services-holder.js';
import { registerAdminRoutes } from './admin-routes.js';
import { registerAnalyticsRoutes } from './analytics-routes.js';
import { registerHealthTargetsRoute } from './health-targets-route.js';
import { registerMetricsRoute } from './metrics-route.js';
import { registerUsageRoute } from './usage-route.js';

/**
 * Sluice's own JSON API — `/admin/*`, `/analytics/*`, `/metrics`, `/admin/health/targets`, `/v1/usage` — in
 * one encapsulated Fastify context. Their handlers only throw: the context's error handler answers every
 * error in one place, so no handler repeats a try/catch. Model-call routes keep the root handler, which also
 * writes a usage row; these calls leave none.
 */
export function registerSluiceOwnedRoutes(app: FastifyInstance, holder: ServicesHolder, options: { reload: () => Promise<ReloadOutcome> }): void {
  // Not awaited: the context loads with the rest of the app, after the root's own handlers are in place.
  void app.register(async (scope) => {
    scope.setErrorHandler((error: FastifyError, request, reply) => answerSluiceRouteError(holder, error, request, reply));
    registerUsageRoute(scope, holder);
    registerAdminRoutes(scope, holder, { reload: options.reload });
    registerMetricsRoute(scope, holder.current);
    registerHealthTargetsRoute(scope, holder.current);
    registerAnalyticsRoutes(scope, holder);
  });
}

/**
 * A `GatewayError` answers as itself; a body Fastify refused before the handler ran answers with its 4xx as on
 * every route; anything else is logged and answers a bare `internal_error`. The envelope is OpenAI's, Sluice's
 * own shape, except on a route that answers in its caller's (`errorsInCallerShape`). Written on the raw
 * response through `writeGatewayError`, which falls back to a bare 500 if the answer cannot be written.
 */
function answerSluiceRouteError(holder: ServicesHolder, error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const { logger } = holder.current;
  let gatewayError: GatewayError;
  if (error instanceof GatewayError || isRaisedByFastify(error)) {
    gatewayError = serverErrorAsGatewayError(error, logger);
  } else {
    logger.error({ err: error, route: request.routeOptions.url }, 'Sluice route failed');
    gatewayError = new GatewayError('internal_error', 'Internal gateway error.');
  }
  const dialectName = request.routeOptions.config.errorsInCallerShape ? guessDialect(request.url, request.headers) : 'openai-chat';
  writeGatewayError(hijackReply(reply), dialects[dialectName], gatewayError, request.id);
}

/** Fastify's own errors (`FST_…`): raised before a handler ran, by the body parser or a limit. */
function isRaisedByFastify(error: FastifyError): boolean {
  return typeof error.code === 'string' && error.code.startsWith('FST_');
}
