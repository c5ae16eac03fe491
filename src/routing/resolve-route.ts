import { GatewayError } from '../errors/gateway-error.js';
import type { ProviderEntry } from '../domain/provider-entry.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { followAliases, resolveModel } from './resolve-model.js';
import { hasEmbeddingsApi } from './serves-embeddings.js';
import type { ResolvedGroup, ResolvedRoute } from './route-target.js';
import type { RouteTarget, TargetCapabilities } from '../domain/route-target.js';

export interface ResolveRouteOptions {
  registry: ProviderRegistry;
  /** Maps, both: the name looked up comes from the caller. */
  aliases: ReadonlyMap<string, string>;
  groups: ReadonlyMap<string, ResolvedGroup>;
  /** Set on provider-pinned routes such as `/anthropic/v1/messages`. */
  pinnedProvider?: ProviderEntry | undefined;
}

/**
 * Turns what the caller named into candidates: a group (directly or through aliases) gives its targets in
 * config order, anything else resolves as a plain model (`resolveModel`) into one candidate. On a pinned
 * route a group keeps only the pinned provider's targets. 404 `model_not_found` when nothing matches.
 */
export function resolveRoute(requestedName: string, options: ResolveRouteOptions): ResolvedRoute {
  const { groups, pinnedProvider } = options;
  if (groups.size > 0) {
    const landed = followAliases(requestedName, options.aliases, (name) => groups.has(name));
    const group = groups.get(landed);
    if (group) {
      if (!pinnedProvider) return { requestedName, group, candidates: group.targets };
      const candidates = group.targets.filter((target) => target.provider.name === pinnedProvider.name);
      if (candidates.length === 0) {
        throw new GatewayError(
          'model_not_found',
          `The group '${group.name}' has no target on provider '${pinnedProvider.name}', which this route is pinned to.`,
          { param: 'model' },
        );
      }
      return { requestedName, group, candidates };
    }
  }
  const resolved = resolveModel(requestedName, options);
  return { requestedName, group: undefined, candidates: [plainTarget(resolved.provider, resolved.upstreamModel)] };
}

/** A plain model as a candidate: weight 1, what its provider can do. */
export function plainTarget(provider: ProviderEntry, upstreamModel: string): RouteTarget {
  return {
    id: `${provider.name}:${upstreamModel}`,
    provider,
    upstreamModel,
    weight: 1,
    index: 0,
    capabilities: providerCapabilities(provider),
    timeouts: provider.timeouts,
    private: provider.private,
  };
}

/** Per provider entry object, so a plain model's candidate allocates no arrays on the hot path. */
const capabilitiesByProvider = new WeakMap<ProviderEntry, TargetCapabilities>();

/** What a provider's models can do unless a group's target says otherwise. */
export function providerCapabilities(provider: ProviderEntry): TargetCapabilities {
  let capabilities = capabilitiesByProvider.get(provider);
  if (!capabilities) {
    capabilities = Object.freeze({
      tools: true,
      images: provider.acceptsImages,
      reasoning: true,
      maxOutputTokens: undefined,
      contextWindow: undefined,
      apis: Object.freeze(Object.keys(provider.endpoints)) as TargetCapabilities['apis'],
      embeddings: hasEmbeddingsApi(provider) ? undefined : false,
    });
    capabilitiesByProvider.set(provider, capabilities);
  }
  return capabilities;
}
