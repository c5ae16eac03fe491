import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, RouteOptions } from 'fastify';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { renderGatewayError } from '../proxy/write-gateway-error.js';
import type { ApiVersionRegistry } from './api-versions.js';

export const apiVersionHeader = 'sluice-api-version';

/** Paths that are Sluice's own API; everything else (model calls, `/v1/models`, provider-pinned) is a provider's. */
const ownedExactPaths = new Set(['/', '/healthz', '/readyz', '/metrics', '/v1/usage', '/admin', '/analytics', '/dashboard']);
const ownedPrefixes = ['/admin/', '/analytics/', '/dashboard/'];

export function isSluiceOwnedRoute(route: Pick<RouteOptions, 'url' | 'config'>): boolean {
  // A provider-pinned route (`/:provider/v1/…`) never counts, whatever a provider is called.
  if ((route.config as { proxyRoute?: boolean } | undefined)?.proxyRoute) return false;
  return ownedExactPaths.has(route.url) || ownedPrefixes.some((prefix) => route.url.startsWith(prefix));
}

/**
 * Versions Sluice's own routes: answers name the version served (the pinned one, else the current), a pin
 * Sluice does not serve is a 400 listing those it does, and a deprecated one is served with `Deprecation`,
 * `Sunset` and `Link`. The hook is attached per route (`onRoute`), so model calls do not run it at all.
 *
 * Headers go on the raw response before the handler runs: most of these routes hijack the reply and write
 * to `reply.raw`, and Node merges headers set this way into whatever `writeHead` sends later.
 * Install before any route is registered.
 */
export function installApiVersioning(app: FastifyInstance, versions: ApiVersionRegistry): void {
  app.decorateRequest('sluiceApiVersion', undefined);
  const hook: onRequestHookHandler = (request, reply, done) => {
    const pinned = request.headers[apiVersionHeader];
    const version = pinned === undefined ? versions.current : typeof pinned === 'string' ? versions.find(pinned.trim()) : undefined;
    if (!version) {
      refuseUnknownVersion(request, reply, versions);
      return;
    }
    request.sluiceApiVersion = version.name;
    for (const [name, value] of version.headers) reply.raw.setHeader(name, value);
    done();
  };
  app.addHook('onRoute', (route) => {
    if (!isSluiceOwnedRoute(route)) return;
    const existing = route.onRequest === undefined ? [] : Array.isArray(route.onRequest) ? route.onRequest : [route.onRequest];
    route.onRequest = [hook, ...existing];
  });
}

function refuseUnknownVersion(request: FastifyRequest, reply: FastifyReply, versions: ApiVersionRegistry): void {
  const error = new GatewayError(
    'unsupported_api_version',
    `Sluice-API-Version '${String(request.headers[apiVersionHeader]).slice(0, 64)}' is not served here; supported versions: ${versions.names.join(', ')} (current: ${versions.current.name}).`,
    { param: apiVersionHeader },
  );
  const rendered = renderGatewayError(dialects['openai-chat'], error, request.id);
  void reply.code(rendered.status).headers(rendered.headers).header(apiVersionHeader, versions.current.name).send(rendered.body);
}
