import { GatewayError } from '../errors/gateway-error.js';
import type { ProviderEntry } from '../domain/provider-entry.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import type { ResolvedTarget } from '../domain/route-target.js';

export interface ResolveModelOptions {
  registry: ProviderRegistry;
  /** A Map: the name looked up comes from the caller (`constructor` must not find Object's). */
  aliases: ReadonlyMap<string, string>;
  /** Set when the caller used a provider-pinned prefix such as `/anthropic/v1/messages`. */
  pinnedProvider?: ProviderEntry | undefined;
}

const maximumAliasDepth = 8;

/**
 * Where a chain of aliases lands (`fast` → `haiku` → `anthropic:claude-haiku-4-5`), at most eight steps
 * deep so an alias naming itself cannot loop. `stop` ends the walk early on a name that means something of
 * its own (a group).
 */
export function followAliases(name: string, aliases: ReadonlyMap<string, string>, stop?: (name: string) => boolean): string {
  let current = name;
  for (let depth = 0; depth < maximumAliasDepth; depth++) {
    if (stop?.(current)) return current;
    const aliased = aliases.get(current);
    if (aliased === undefined) return current;
    current = aliased;
  }
  return current;
}

/**
 * Turns what the caller named into a provider and an upstream model name. Order: alias, qualified
 * `provider:model`, exact model listed by a provider, then model-name prefix. A pinned provider accepts any
 * model name (it is the provider's business to know its models) but still honours aliases pointing at it.
 */
export function resolveModel(requested: string, options: ResolveModelOptions): ResolvedTarget {
  const name = followAliases(requested, options.aliases);

  const separator = name.indexOf(':');
  if (separator > 0) {
    const provider = options.registry.get(name.slice(0, separator));
    const model = name.slice(separator + 1);
    if (provider && model.length > 0) {
      if (options.pinnedProvider && options.pinnedProvider !== provider) {
        throw new GatewayError(
          'model_not_found',
          `Model '${requested}' belongs to provider '${provider.name}', but this route is pinned to '${options.pinnedProvider.name}'.`,
          { param: 'model' },
        );
      }
      return { provider, upstreamModel: model };
    }
  }

  if (options.pinnedProvider) return { provider: options.pinnedProvider, upstreamModel: name };

  const providers = options.registry.routable();
  const listed = providers.find((provider) => provider.models.includes(name) || provider.embeddingModels.includes(name));
  if (listed) return { provider: listed, upstreamModel: name };

  const prefixed = providers.find((provider) => provider.modelPrefixes.some((prefix) => name.startsWith(prefix)));
  if (prefixed) return { provider: prefixed, upstreamModel: name };

  throw new GatewayError(
    'model_not_found',
    `The model '${requested}' does not exist or is not routed by this gateway. Use provider:model, an alias, or a known model name.`,
    { param: 'model' },
  );
}
