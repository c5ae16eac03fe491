import type { SluiceConfig } from '../../config/config-schema.js';
import type { GatewayMetrics } from '../../metrics/gateway-metrics.js';
import type { ProviderCredentials } from '../../providers/provider-credentials.js';
import type { ProviderRegistry } from '../../providers/provider-registry.js';
import { buildAliasTables } from '../../routing/default-aliases.js';
import { createRouter, type Router } from '../../routing/router.js';
import type { Pricer } from '../../usage/pricing.js';
import type { Logger } from '../../domain/logger.js';
import type { SharedState } from '../shared-state.js';

/** Model names to targets: the alias tables (shipped defaults and the config's) and the router built on them. */
export interface GatewayRouting {
  aliases: ReadonlyMap<string, string>;
  /** The same names pointing at real providers only (callers with their own provider key, pinned routes). */
  aliasesWithoutStandIns: ReadonlyMap<string, string>;
  router: Router;
}

export interface GatewayRoutingOptions {
  config: SluiceConfig;
  registry: ProviderRegistry;
  credentials: ProviderCredentials;
  pricer: Pricer;
  logger: Logger;
  sharedState: SharedState;
  metrics: GatewayMetrics;
}

/** Builds the routing the first config asks for; a config reload rebuilds it (server/reload/gateway-parts.ts). */
export async function buildGatewayRouting(options: GatewayRoutingOptions): Promise<GatewayRouting> {
  const { config, registry, credentials, sharedState, metrics } = options;
  const { aliases, withoutStandIns } = buildAliasTables({
    configured: config.aliases,
    registry,
    hasKey: (provider) => credentials.keyFor(provider) !== undefined,
  });
  const router = await createRouter({
    config,
    registry,
    aliases,
    aliasesWithoutStandIns: withoutStandIns,
    pricer: options.pricer,
    logger: options.logger,
    cooldowns: sharedState.cooldowns,
    onCooldownStatus: (targetId, status) => metrics.setTargetCooldown(targetId, status),
  });
  if (router.groups.size > 0) sharedState.enableCooldowns();
  // Once the registry is final and the groups resolved; a config reload calls it again with the new ones.
  metrics.rebuildKnownModels({ registry, aliases, groups: router.groups });
  return { aliases, aliasesWithoutStandIns: withoutStandIns, router };
}
