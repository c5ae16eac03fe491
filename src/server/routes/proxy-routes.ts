import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dialects } from '../../dialects/dialects.js';
import type { DialectName } from '../../dialects/dialect-name.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { GatewayServices } from '../gateway-services.js';
import { handleProxyRequest } from '../proxy/handle-proxy-request.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';

/** Model-call surfaces: the shared paths, and `/<provider>/…` prefixes that pin a provider. */
const surfaces: ReadonlyArray<{ path: string; dialect: DialectName }> = [
  { path: '/v1/chat/completions', dialect: 'openai-chat' },
  { path: '/v1/responses', dialect: 'openai-responses' },
  { path: '/v1/messages', dialect: 'anthropic-messages' },
];

const otherMethods = ['GET', 'PUT', 'PATCH', 'DELETE'] as const;

export function registerProxyRoutes(app: FastifyInstance, services: GatewayServices): void {
  for (const surface of surfaces) {
    const dialect = dialects[surface.dialect];
    const config = { dialect: surface.dialect, proxyRoute: true };
    app.post(surface.path, { config }, (request, reply) =>
      handleProxyRequest(request, reply, { dialect, pinnedProvider: undefined }, services),
    );
    app.post<{ Params: { provider: string } }>(`/:provider${surface.path}`, { config }, (request, reply) =>
      handleProxyRequest(request, reply, { dialect, pinnedProvider: request.params.provider }, services),
    );
    for (const path of [surface.path, `/:provider${surface.path}`]) {
      app.route({ method: [...otherMethods], url: path, config, handler: methodNotAllowed(surface.dialect) });
    }
  }
}

function methodNotAllowed(dialect: DialectName) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    reply.hijack();
    const error = new GatewayError('method_not_allowed', `Method ${request.method} is not allowed here; use POST.`);
    writeGatewayError(reply.raw, dialects[dialect], error, request.id, { allow: 'POST' });
  };
}
