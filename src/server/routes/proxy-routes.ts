import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dialects } from '../../dialects/dialects.js';
import type { DialectName } from '../../domain/dialect-name.js';
import type { Operation } from '../../domain/operation.js';
import { GatewayError } from '../../errors/gateway-error.js';
import type { ServicesHolder } from '../reload/services-holder.js';
import { handleProxyRequest } from '../proxy/handle-proxy-request.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';
import { hijackReply } from '../hijack-reply.js';

/** Model-call surfaces: the shared paths, and `/<provider>/…` prefixes that pin a provider. */
const surfaces: ReadonlyArray<{ path: string; dialect: DialectName; operation: Operation }> = [
  { path: '/v1/chat/completions', dialect: 'openai-chat', operation: 'chat' },
  { path: '/v1/responses', dialect: 'openai-responses', operation: 'chat' },
  { path: '/v1/messages', dialect: 'anthropic-messages', operation: 'chat' },
  // Clients written for a base URL that already ends in /v1 append only `/messages` to Sluice's documented
  // Anthropic base URL (which has no /v1); the same route under the shorter path serves them.
  { path: '/messages', dialect: 'anthropic-messages', operation: 'chat' },
  // OpenAI's embeddings belong to the openai-chat dialect: same family, auth and error envelope.
  { path: '/v1/embeddings', dialect: 'openai-chat', operation: 'embeddings' },
];

const otherMethods = ['GET', 'PUT', 'PATCH', 'DELETE'] as const;

export function registerProxyRoutes(app: FastifyInstance, holder: ServicesHolder): void {
  for (const surface of surfaces) {
    const dialect = dialects[surface.dialect];
    const { operation } = surface;
    const config = { dialect: surface.dialect, operation, proxyRoute: true };
    app.post(surface.path, { config }, (request, reply) =>
      handleProxyRequest(request, reply, { operation, dialect, pinnedProvider: undefined, url: {}, forwardQuery: true }, holder.current),
    );
    app.post<{ Params: { provider: string } }>(`/:provider${surface.path}`, { config }, (request, reply) =>
      handleProxyRequest(request, reply, { operation, dialect, pinnedProvider: request.params.provider, url: {}, forwardQuery: true }, holder.current),
    );
    for (const path of [surface.path, `/:provider${surface.path}`]) {
      app.route({ method: [...otherMethods], url: path, config, handler: methodNotAllowed(surface.dialect) });
    }
  }
  registerGeminiRoutes(app, holder);
}

/** Gemini's methods on a model, and what each asks for. */
const geminiMethods = new Map<string, { operation: Operation; stream?: boolean; single?: boolean }>([
  ['generateContent', { operation: 'chat', stream: false }],
  ['streamGenerateContent', { operation: 'chat', stream: true }],
  ['embedContent', { operation: 'embeddings', single: true }],
  ['batchEmbedContents', { operation: 'embeddings', single: false }],
]);

/** The operation of a Gemini model-method URL (`…/models/x:embedContent?…`); undefined for any other URL. */
export function geminiOperationOf(url: string): Operation | undefined {
  const path = url.split('?', 1)[0]!;
  const separator = path.lastIndexOf(':');
  return separator === -1 ? undefined : geminiMethods.get(path.slice(separator + 1))?.operation;
}

/**
 * Gemini's native surface for Gemini SDK users: `POST /v1beta/models/{model}:generateContent`,
 * `:streamGenerateContent?alt=sse`, `:embedContent` and `:batchEmbedContents`, also under
 * `/<provider>/v1beta/…` (e.g. `/gemini/v1beta/…`) to pin it.
 */
function registerGeminiRoutes(app: FastifyInstance, holder: ServicesHolder): void {
  const dialect = dialects.gemini;
  const config = { dialect: 'gemini' as const, proxyRoute: true };
  const handle = (request: FastifyRequest, reply: FastifyReply, modelAction: string, pinnedProvider: string | undefined) => {
    const match = /^(.+):([A-Za-z]+)$/.exec(modelAction);
    const method = match ? geminiMethods.get(match[2]!) : undefined;
    if (!match || !method) {
      hijackReply(reply);
      const error = new GatewayError(
        'route_not_found',
        `Unsupported Gemini method in '${modelAction}'; use :generateContent, :streamGenerateContent, :embedContent or :batchEmbedContents.`,
      );
      writeGatewayError(reply.raw, dialect, error, request.id);
      return;
    }
    const url = { model: match[1], stream: method.stream ?? false, single: method.single };
    return handleProxyRequest(request, reply, { operation: method.operation, dialect, pinnedProvider, url, forwardQuery: false }, holder.current);
  };
  app.post<{ Params: { '*': string } }>('/v1beta/models/*', { config }, (request, reply) => handle(request, reply, request.params['*'], undefined));
  app.post<{ Params: { provider: string; '*': string } }>('/:provider/v1beta/models/*', { config }, (request, reply) =>
    handle(request, reply, request.params['*'], request.params.provider),
  );
}

function methodNotAllowed(dialect: DialectName) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    hijackReply(reply);
    const error = new GatewayError('method_not_allowed', `Method ${request.method} is not allowed here; use POST.`);
    writeGatewayError(reply.raw, dialects[dialect], error, request.id, { allow: 'POST' });
  };
}
