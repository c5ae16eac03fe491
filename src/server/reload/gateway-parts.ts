import { CacheRules } from '../../cache/cache-rules.js';
import { CapturePolicy } from '../../capture/capture-policy.js';
import { buildProviderRegistry } from '../../providers/provider-registry.js';
import type { ProviderRegistry } from '../../providers/provider-registry.js';
import { buildAliasTables } from '../../routing/default-aliases.js';
import { createRouter } from '../../routing/router.js';
import { CostBound } from '../../usage/cost-bound.js';
import { Pricer } from '../../usage/pricing.js';
import { corsPolicyFor } from '../cors-policy.js';
import type { ReloadablePart } from './reloadable-part.js';

/**
 * The parts of the gateway a config reload rebuilds, in build order (a part after those it depends on).
 * Everything a part does not list (listen address, stores, Redis, data directory, upstream pool, usage
 * writer, key refresh) is built once at start, and a reload that changes it is refused as needing a restart.
 * State that must outlive a reload — limit counters, budget ledger, cooldowns, latency estimates, the
 * response cache, the usage writer, the key and principal views, the upstream pool — is never rebuilt:
 * the new services object carries the same instances.
 *
 * Another part joins by adding an entry: its fields, its dependencies, and a `build` that puts its new
 * pieces into `context.next`.
 */
export const gatewayParts: readonly ReloadablePart[] = [
  {
    name: 'logging',
    fields: ['logLevel'],
    build: ({ config, gateway }) => ({
      // The logger is shared by everything that holds it; its level is the one thing that changes.
      commit: () => {
        gateway.logger.level = config.logLevel;
      },
    }),
  },
  {
    name: 'request log',
    fields: ['log'],
    build: ({ config, gateway }) => ({ commit: () => gateway.setRequestLogging(config.log.requests) }),
  },
  {
    name: 'providers',
    fields: ['providers', 'mock'],
    build: async ({ config, next, gateway }) => {
      // Keys stored with `sluice providers set-key` live in the credentials view, which is kept as it is.
      const registry = buildProviderRegistry({ config, env: gateway.env, providersWithStoredKeys: next.credentials.storedProviders() });
      if (registry.get('mock')) registry.setBaseUrl('mock', await gateway.mockUpstreamBaseUrl());
      next.registry = registry;
      return undefined;
    },
  },
  {
    name: 'aliases',
    // Default aliases point at the mock while it stands in for their provider (a group of an alias's name
    // wins when a name is resolved, so group changes leave the tables alone).
    fields: ['aliases'],
    dependsOn: ['providers'],
    build: ({ config, next }) => {
      const tables = buildAliasTables({
        configured: config.aliases,
        registry: next.registry,
        hasKey: (provider) => next.credentials.keyFor(provider) !== undefined,
      });
      next.aliases = tables.aliases;
      next.aliasesWithoutStandIns = tables.withoutStandIns;
      return undefined;
    },
  },
  {
    name: 'pricing',
    fields: ['pricing'],
    // Rows are priced by provider pricing id, which comes with the providers.
    dependsOn: ['providers'],
    build: ({ config, previous, next, gateway }) => {
      next.pricer = new Pricer(config.pricing.overrides, { preferBilled: config.pricing.preferBilled });
      next.costBound = new CostBound(config.pricing.overrides);
      // Rows carry their call's epoch, so the writer thread prices each with the list its call started under.
      const epoch = previous.pricingEpoch + 1;
      next.pricingEpoch = epoch;
      const registry = next.registry;
      return { commit: () => gateway.updateUsagePricing(epoch, config.pricing.overrides, pricingProviderIdsOf(registry)) };
    },
  },
  {
    name: 'groups',
    fields: ['groups'],
    // The router resolves group targets against providers and aliases, and the cost policy reads prices.
    dependsOn: ['providers', 'aliases', 'pricing'],
    build: async ({ config, previous, next, gateway }) => {
      const router = await createRouter({
        config,
        registry: next.registry,
        aliases: next.aliases,
        aliasesWithoutStandIns: next.aliasesWithoutStandIns,
        pricer: next.pricer,
        logger: gateway.logger,
        cooldowns: gateway.cooldowns,
        stats: previous.router.stats,
        onCooldownStatus: (targetId, status) => previous.metrics.setTargetCooldown(targetId, status),
      });
      next.router = router;
      const replaced = previous.router;
      return {
        commit: () => {
          if (router.groups.size > 0) gateway.enableCooldowns();
        },
        retire: () => replaced.close(),
        discard: () => router.close(),
      };
    },
  },
  {
    // Prometheus labels name only models Sluice knows: those of the providers, aliases and groups in force.
    name: 'metrics',
    fields: [],
    dependsOn: ['providers', 'aliases', 'groups'],
    build: ({ next }) => ({
      commit: () => next.metrics.rebuildKnownModels({ registry: next.registry, aliases: next.aliases, groups: next.router.groups }),
    }),
  },
  {
    // Content capture: the defaults and group settings calls are decided with, and the writer thread's redactions.
    name: 'capture',
    fields: ['capture'],
    // A group's `capture:` is read with the groups: rebuilt whenever they are.
    dependsOn: ['groups'],
    build: ({ config, previous, next, gateway }) => {
      next.capture = new CapturePolicy(config.capture, config.groups, previous.capture.random);
      return { commit: () => gateway.updateCaptureRedaction(config.capture.redact) };
    },
  },
  {
    name: 'limits',
    fields: ['limits'],
    build: ({ config, next }) => {
      next.limitDefaults = config.limits.defaults;
      return undefined;
    },
  },
  {
    name: 'cors',
    fields: ['cors'],
    build: ({ config, next }) => {
      next.cors = corsPolicyFor(config.cors.origins);
      return undefined;
    },
  },
  {
    name: 'telemetry',
    fields: ['telemetry'],
    build: async ({ config, previous, next, gateway }) => {
      // A new exporter for new calls; calls in flight end their spans on the one they started with, which
      // is flushed and shut down once they have finished.
      const tracing = await gateway.startTracing(config.telemetry);
      next.tracing = tracing;
      const replaced = previous.tracing;
      return {
        retire: async () => {
          await replaced?.shutdown();
        },
        discard: async () => {
          await tracing?.shutdown();
        },
      };
    },
  },
  {
    name: 'cache',
    fields: ['cache.partition', 'cache.rules'],
    build: ({ config, next }) => {
      next.cachePartition = config.cache.partition;
      next.cacheRules = CacheRules.from(config.cache.rules);
      return undefined;
    },
  },
];

/** Provider name → genai-prices provider id, as the usage writer thread prices rows. */
export function pricingProviderIdsOf(registry: ProviderRegistry): Array<[string, string | undefined]> {
  return registry.routable().map((provider) => [provider.name, provider.pricingProviderId]);
}
