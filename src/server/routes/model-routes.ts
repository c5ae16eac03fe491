import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { isModelAllowed } from '../../policy/allow-list.js';
import { authenticate } from '../../policy/authenticate.js';
import type { ProviderEntry } from '../../providers/provider-entry.js';
import type { GatewayServices } from '../gateway-services.js';
import { guessDialect } from '../guess-dialect.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';
import { hijackReply } from '../hijack-reply.js';

interface ListedModel {
  id: string;
  ownedBy: string;
}

/** `GET /v1/models`: what this key may call, in the shape the client expects (Anthropic or OpenAI). */
export function registerModelRoutes(app: FastifyInstance, services: GatewayServices): void {
  app.get('/v1/models', (request, reply) => listModels(request, reply, services, undefined));
  app.get<{ Params: { provider: string } }>('/:provider/v1/models', (request, reply) =>
    listModels(request, reply, services, request.params.provider),
  );
}

async function listModels(
  request: FastifyRequest,
  reply: FastifyReply,
  services: GatewayServices,
  pinnedProvider: string | undefined,
): Promise<void> {
  const dialect = dialects[guessDialect(request.url, request.headers)];
  hijackReply(reply);
  try {
    const caller = await authenticate(request.headers, services.keyView);
    const providers = pinnedProvider === undefined ? services.registry.routable() : [services.registry.get(pinnedProvider)];
    if (providers[0] === undefined) throw new GatewayError('route_not_found', `No provider named '${pinnedProvider}' is configured.`);
    const usable = (providers as ProviderEntry[]).filter(
      (provider) => !provider.requiresKey || caller.callerProviderKey !== undefined || services.credentials.keyFor(provider) !== undefined,
    );
    const team = services.principals.find('team', caller.key.teamName);
    // The key's allow-list and its team's both apply.
    const allowed = (requested: string, provider: string, upstreamModel: string) =>
      isModelAllowed(caller.key.allowedModels, { requested, provider, upstreamModel }) &&
      isModelAllowed(team?.allowedModels ?? null, { requested, provider, upstreamModel });
    const models: ListedModel[] = [];
    for (const provider of usable) {
      for (const model of provider.models) {
        if (allowed(model, provider.name, model)) {
          models.push({ id: model, ownedBy: provider.name });
        }
      }
    }
    if (pinnedProvider === undefined) {
      for (const [alias, target] of services.aliases) {
        const providerName = target.includes(':') ? target.slice(0, target.indexOf(':')) : undefined;
        const provider = usable.find((candidate) => candidate.name === providerName);
        if (!provider) continue;
        const upstreamModel = target.slice(target.indexOf(':') + 1);
        if (allowed(alias, provider.name, upstreamModel)) {
          models.push({ id: alias, ownedBy: provider.name });
        }
      }
    }
    const body = dialect.name === 'anthropic-messages' ? anthropicModelList(models) : openAiModelList(models);
    reply.raw.writeHead(200, { 'content-type': 'application/json' });
    reply.raw.end(JSON.stringify(body));
  } catch (error) {
    const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', 'Internal gateway error.');
    writeGatewayError(reply.raw, dialect, gatewayError, request.id);
  }
}

function openAiModelList(models: ListedModel[]): unknown {
  return { object: 'list', data: models.map((model) => ({ id: model.id, object: 'model', created: 0, owned_by: model.ownedBy })) };
}

function anthropicModelList(models: ListedModel[]): unknown {
  return {
    data: models.map((model) => ({ type: 'model', id: model.id, display_name: model.id, created_at: '1970-01-01T00:00:00Z' })),
    has_more: false,
    first_id: models[0]?.id ?? null,
    last_id: models.at(-1)?.id ?? null,
  };
}
