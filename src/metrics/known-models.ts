import type { ProviderRegistry } from '../providers/provider-registry.js';
import { followAliases, resolveModel } from '../routing/resolve-model.js';
import type { ResolvedGroup } from '../routing/route-target.js';
import { catalogueModelNames } from './catalogue-model-names.js';

/** What the known label values are built from: the running configuration. */
export interface KnownModelSources {
  registry: ProviderRegistry;
  aliases: ReadonlyMap<string, string>;
  groups: ReadonlyMap<string, ResolvedGroup>;
}

/**
 * The provider and model names that may appear as label values: every routable provider, and for each the
 * models it lists (chat and embeddings), the catalogue's models for its pricing id, and the models aliases and group targets send
 * to it; plus `unrouted` names (aliases and group names) for calls refused before a provider was chosen.
 * Anything else a caller sends becomes `other`, so the label set is fixed by the configuration.
 */
export interface KnownModels {
  /** Provider name → the model names known for it. */
  byProvider: ReadonlyMap<string, ReadonlySet<string>>;
  /** Group targets' ids (`provider:model`): the only values of `sluice_target_cooldown{target}`. */
  targetIds: ReadonlySet<string>;
  /** Alias and group names, for calls that ended before a provider was picked. */
  unrouted: ReadonlySet<string>;
}

export function buildKnownModels(sources: KnownModelSources): KnownModels {
  const byProvider = new Map<string, Set<string>>();
  const modelsOf = (provider: string) => {
    let models = byProvider.get(provider);
    if (!models) byProvider.set(provider, (models = new Set()));
    return models;
  };
  for (const provider of sources.registry.routable()) {
    const models = modelsOf(provider.name);
    for (const model of provider.models) models.add(model);
    for (const model of provider.embeddingModels) models.add(model);
    if (provider.pricingProviderId) for (const model of catalogueModelNames(provider.pricingProviderId)) models.add(model);
  }
  const targetIds = new Set<string>();
  const unrouted = new Set<string>();
  for (const group of sources.groups.values()) {
    unrouted.add(group.name);
    for (const target of group.targets) {
      modelsOf(target.provider.name).add(target.upstreamModel);
      targetIds.add(target.id);
    }
  }
  for (const alias of sources.aliases.keys()) {
    unrouted.add(alias);
    // An alias of a group has no single model; one that does not resolve is simply not a label.
    if (sources.groups.has(followAliases(alias, sources.aliases, (name) => sources.groups.has(name)))) continue;
    try {
      const target = resolveModel(alias, { registry: sources.registry, aliases: sources.aliases });
      modelsOf(target.provider.name).add(target.upstreamModel);
    } catch {
      // Left out: a call to it is refused before any provider, so it never needs a provider's label.
    }
  }
  return { byProvider, targetIds, unrouted };
}
