import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { dialects } from '../../dialects/dialects.js';
import { GatewayError } from '../../errors/gateway-error.js';
import { authorizedTargets, modelRefusalFor } from '../../policy/authorize-model.js';
import type { GroupContract } from '../../routing/group-contract.js';
import type { ResolvedRoute } from '../../routing/route-target.js';
import type { KeyRecord } from '../../domain/key-record.js';
import type { Caller } from '../../policy/authenticate.js';
import type { ProviderEntry } from '../../domain/provider-entry.js';
import type { GatewayServices } from '../gateway-services.js';
import type { ServicesHolder } from '../reload/services-holder.js';
import { guessDialect } from '../guess-dialect.js';
import { writeGatewayError } from '../proxy/write-gateway-error.js';
import { hijackReply } from '../hijack-reply.js';
import { abortWhenClientLeaves } from '../proxy/client-abort.js';
import { createModelCall, type ModelCall } from '../proxy/model-call.js';
import { answered, runStages, stageList, type Answered } from '../proxy/stage-list.js';
import { authenticateCaller } from '../proxy/stages/authenticate-caller.js';

interface ListedModel {
  id: string;
  ownedBy: string;
  /** For an alias: the `provider:model` or group it stands for, so a caller can see what `haiku` means here. */
  resolvesTo?: string;
  /** For a group (or an alias of one): its description, workloads, modalities and allowed caller shapes. */
  contract?: GroupContract;
}

/**
 * The query parameters `/v1/models` reads. `verbose=false` answers the providers' bare list, for clients
 * that check list items strictly; by default items carry Sluice's extra fields (`resolves_to`, a group's
 * contract). The providers' own paging parameters are not refused: the list is always whole.
 */
export const modelListQueryParameters = ['verbose'] as const;

/** What listing walks: the model call's own authenticate stage, then the list instead of a model. */
export const listModelsStages = stageList().then('authenticate', authenticateCaller).then('list models', answerModelList).build();

/** `GET /v1/models`: what this key may call, in the shape the client expects (Anthropic or OpenAI). */
export function registerModelRoutes(app: FastifyInstance, holder: ServicesHolder): void {
  app.get('/v1/models', (request, reply) => listModels(request, reply, holder.current, undefined));
  app.get<{ Params: { provider: string } }>('/:provider/v1/models', (request, reply) =>
    listModels(request, reply, holder.current, request.params.provider),
  );
}

async function listModels(
  request: FastifyRequest,
  reply: FastifyReply,
  services: GatewayServices,
  pinnedProvider: string | undefined,
): Promise<void> {
  const dialect = dialects[guessDialect(request.url, request.headers)];
  const response = hijackReply(reply);
  const route = { operation: 'chat' as const, dialect, pinnedProvider, url: {}, forwardQuery: false };
  const call = createModelCall({ request, response, route, services, signal: abortWhenClientLeaves(response) });
  try {
    await runStages(listModelsStages, call, undefined);
  } catch (error) {
    const gatewayError = error instanceof GatewayError ? error : new GatewayError('internal_error', 'Internal gateway error.');
    writeGatewayError(reply.raw, dialect, gatewayError, request.id);
  }
}

/** The models, aliases and groups the caller's key may use, in the shape its client expects. */
function answerModelList(call: ModelCall, caller: Caller): Answered {
  const { request, services } = call;
  const { pinnedProvider, dialect } = call.route;
  const verbose = verboseOf(request.query);
  const providers = pinnedProvider === undefined ? services.registry.routable() : [services.registry.get(pinnedProvider)];
  if (providers[0] === undefined) throw new GatewayError('route_not_found', `No provider named '${pinnedProvider}' is configured.`);
  const usable = (providers as ProviderEntry[]).filter(
    (provider) => !provider.requiresKey || caller.callerProviderKey !== undefined || services.credentials.keyFor(provider) !== undefined,
  );
  // The same rule as a model call: the key's allow-list and its team's.
  const allowed = (requested: string, provider: string, upstreamModel: string) =>
    modelRefusalFor(caller.key, services.principals, { requested, provider, upstreamModel }) === undefined;
  const models: ListedModel[] = [];
  for (const provider of usable) {
    // A private provider's models are reached through groups and aliases, which are listed without naming it.
    if (provider.private) continue;
    // Chat models first, then the ones that make embeddings (`/v1/embeddings`, `:embedContent`).
    for (const listed of [provider.models, provider.embeddingModels]) {
      for (const model of listed) {
        if (allowed(model, provider.name, model)) models.push({ id: model, ownedBy: provider.name });
      }
    }
  }
  if (pinnedProvider === undefined) {
    for (const group of services.router.groups.values()) {
      if (groupUsable(group.name, group.name, caller.key, usable, services)) models.push({ id: group.name, ownedBy: 'sluice', contract: group.contract });
    }
    for (const alias of services.aliases.keys()) {
      // A group of the same name is what the name means (and is listed above).
      if (services.router.groups.has(alias)) continue;
      // Resolved like a call would be, so an alias of an alias (or of a group) is listed where it lands.
      const route = resolvedOrUndefined(alias, services, caller.callerProviderKey !== undefined);
      if (!route) continue;
      if (route.group) {
        if (groupUsable(alias, route.group.name, caller.key, usable, services)) {
          models.push({ id: alias, ownedBy: 'sluice', resolvesTo: route.group.name, contract: route.group.contract });
        }
        continue;
      }
      const target = route.candidates[0]!;
      if (!usable.includes(target.provider)) continue;
      if (allowed(alias, target.provider.name, target.upstreamModel)) {
        models.push(target.private ? { id: alias, ownedBy: 'sluice' } : { id: alias, ownedBy: target.provider.name, resolvesTo: target.id });
      }
    }
  }
  const body = dialect.name === 'anthropic-messages' ? anthropicModelList(models, verbose) : openAiModelList(models, verbose);
  call.response.writeHead(200, { 'content-type': 'application/json' });
  call.response.end(JSON.stringify(body));
  return answered;
}

function resolvedOrUndefined(name: string, services: GatewayServices, callerHasProviderKey: boolean): ResolvedRoute | undefined {
  try {
    return services.router.resolve(name, undefined, callerHasProviderKey);
  } catch {
    return undefined;
  }
}

/** A group is listed when the key may use it and at least one target it may use has a key to call it with. */
function groupUsable(requested: string, groupName: string, key: KeyRecord, usable: readonly ProviderEntry[], services: GatewayServices): boolean {
  const group = services.router.groups.get(groupName);
  if (!group) return false;
  try {
    return authorizedTargets(key, services.principals, requested, groupName, group.targets).some((target) => usable.includes(target.provider));
  } catch {
    return false;
  }
}

/** `?verbose=false` → false; absent or `true` → true; anything else is a 400 naming the parameter. */
function verboseOf(query: unknown): boolean {
  const value = query !== null && typeof query === 'object' && Object.hasOwn(query, 'verbose') ? (query as { verbose: unknown }).verbose : undefined;
  if (value === undefined || value === 'true') return true;
  if (value === 'false') return false;
  throw new GatewayError('invalid_request', "The query parameter 'verbose' takes true or false.", { param: 'verbose' });
}

/** Sluice's fields beside a list item's own: what an alias stands for and a group's contract. */
function extraFields(model: ListedModel): Record<string, unknown> {
  const extra: Record<string, unknown> = {};
  if (model.resolvesTo !== undefined) extra.resolves_to = model.resolvesTo;
  if (model.contract !== undefined) {
    extra.description = model.contract.description;
    extra.workloads = model.contract.workloads;
    extra.modalities = model.contract.modalities;
    extra.clients = model.contract.clients;
  }
  return extra;
}

function openAiModelList(models: ListedModel[], verbose: boolean): unknown {
  return {
    object: 'list',
    data: models.map((model) => ({
      id: model.id,
      object: 'model',
      created: 0,
      owned_by: model.ownedBy,
      ...(verbose ? extraFields(model) : {}),
    })),
  };
}

function anthropicModelList(models: ListedModel[], verbose: boolean): unknown {
  return {
    data: models.map((model) => ({
      type: 'model',
      id: model.id,
      display_name: model.resolvesTo === undefined ? model.id : `${model.id} (${model.resolvesTo})`,
      created_at: '1970-01-01T00:00:00Z',
      ...(verbose ? extraFields(model) : {}),
    })),
    has_more: false,
    first_id: models[0]?.id ?? null,
    last_id: models.at(-1)?.id ?? null,
  };
}
