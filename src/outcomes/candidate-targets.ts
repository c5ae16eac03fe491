import type { SluiceConfig } from '../config/config-schema.js';
import type { TokenUsage } from '../domain/token-usage.js';
import { buildProviderRegistry } from '../providers/provider-registry.js';
import { buildRouteGroups } from '../routing/build-route-groups.js';
import { buildAliasTables } from '../routing/default-aliases.js';
import { resolveRoute } from '../routing/resolve-route.js';
import { Pricer } from '../usage/pricing.js';

/** One target the candidate may be served by, and its price for a call's tokens (null: unknown). */
export interface PricedTarget {
  id: string;
  price(usage: TokenUsage): number | null;
}

/**
 * The targets `--against` resolves to under the gateway's config (a group's targets, else the one model an
 * alias or name lands on), priced as the gateway prices them: config `pricing:` overrides, then the catalogue.
 * Resolved as if every provider had a key, so a name means its real model rather than the mock's stand-in.
 */
export function candidateTargets(config: SluiceConfig, against: string, options: { env: NodeJS.ProcessEnv; storedProviders: ReadonlySet<string> }): PricedTarget[] {
  const registry = buildProviderRegistry({ config, env: options.env, providersWithStoredKeys: options.storedProviders });
  const { aliases } = buildAliasTables({ configured: config.aliases, registry, hasKey: () => true });
  const groups = buildRouteGroups({ groups: config.groups, registry, aliases, switchedOffProviders: registry.switchedOffNames(), logger: { warn: () => {} } });
  const route = resolveRoute(against, { registry, aliases, groups });
  const pricer = new Pricer(config.pricing.overrides);
  return route.candidates.map((target) => ({
    id: target.id,
    price: (usage) => pricer.price({ provider: target.provider.name, pricingProviderId: target.provider.pricingProviderId, model: target.upstreamModel, usage }),
  }));
}
