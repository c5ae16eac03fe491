import type { GroupConfig, GroupTargetConfig } from '../config/config-schema.js';
import { ConfigError } from '../config/interpolate-env.js';
import type { DialectName } from '../domain/dialect-name.js';
import { GatewayError } from '../errors/gateway-error.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';
import { groupLimitsOf } from '../policy/group-limits.js';
import type { Logger } from '../domain/logger.js';
import { resolveTimeouts } from '../upstream/upstream-timeouts.js';
import { groupContractOf } from './group-contract.js';
import { followAliases, resolveModel } from './resolve-model.js';
import { providerCapabilities } from './resolve-route.js';
import { hasEmbeddingsApi, servesEmbeddings } from './serves-embeddings.js';
import type { ResolvedGroup } from './route-target.js';
import type { RouteTarget } from '../domain/route-target.js';

export interface BuildRouteGroupsOptions {
  groups: Readonly<Record<string, GroupConfig>>;
  registry: ProviderRegistry;
  aliases: ReadonlyMap<string, string>;
  /** Names of providers that exist but are switched off (`enabled: false`, or the mock when unused). */
  switchedOffProviders: ReadonlySet<string>;
  logger: Pick<Logger, 'warn'>;
}

/**
 * Resolves every group's targets once, at start, against the provider registry, so that a request only
 * looks its group up. A target that cannot be resolved stops the start with a ConfigError naming the field;
 * a target whose provider is switched off is left out with a warning (the group works on without it).
 */
export function buildRouteGroups(options: BuildRouteGroupsOptions): Map<string, ResolvedGroup> {
  const groupNames = new Set(Object.keys(options.groups));
  const resolved = new Map<string, ResolvedGroup>();
  for (const [name, config] of Object.entries(options.groups)) {
    const targets: RouteTarget[] = [];
    config.targets.forEach((targetConfig, index) => {
      const field = `groups.${name}.targets.${index}`;
      // A group whose contract leaves images out takes none, whatever its targets could: the
      // eligibility check then refuses an image with the usual 400 before any upstream call.
      const takesImages = config.modalities === undefined || config.modalities.includes('image');
      const target = resolveGroupTarget(targetConfig, field, targets.length, { ...options, groupNames, takesImages });
      if (!target) return;
      if (targets.some((other) => other.id === target.id)) {
        throw new ConfigError(`${field}.model: '${target.id}' is already a target of group '${name}'`);
      }
      targets.push(target);
    });
    if (targets.length === 0) throw new ConfigError(`groups.${name}.targets: every target's provider is switched off`);
    resolved.set(name, {
      name,
      policy: config.policy,
      targets: Object.freeze(targets),
      retry: config.retry,
      timeToFirstTokenMs: config.timeToFirstTokenMs,
      cooldown: config.cooldown,
      limits: groupLimitsOf(name, config),
      contract: groupContractOf(config, targets),
      clients: config.clients === undefined ? undefined : new Set(config.clients),
      config,
    });
  }
  return resolved;
}

function resolveGroupTarget(
  config: GroupTargetConfig,
  field: string,
  index: number,
  options: BuildRouteGroupsOptions & { groupNames: ReadonlySet<string>; takesImages: boolean },
): RouteTarget | undefined {
  const landed = followAliases(config.model, options.aliases, (name) => options.groupNames.has(name));
  if (options.groupNames.has(landed)) {
    throw new ConfigError(`${field}.model: '${config.model}' is a group; a group's targets are models, not groups`);
  }
  const separator = landed.indexOf(':');
  const providerName = separator > 0 ? landed.slice(0, separator) : undefined;
  if (providerName !== undefined && options.switchedOffProviders.has(providerName)) {
    options.logger.warn({ field, provider: providerName }, `${field}: provider '${providerName}' is switched off; the target is left out`);
    return undefined;
  }
  let provider;
  let upstreamModel;
  try {
    ({ provider, upstreamModel } = resolveModel(config.model, { registry: options.registry, aliases: options.aliases }));
  } catch (error) {
    if (error instanceof GatewayError) throw new ConfigError(`${field}.model: '${config.model}' is not a model Sluice can route (use provider:model)`);
    throw error;
  }

  const defaults = providerCapabilities(provider);
  let apis = defaults.apis;
  if (config.apis) {
    const unspoken = config.apis.find((api) => !defaults.apis.includes(api));
    if (unspoken) throw new ConfigError(`${field}.apis: provider '${provider.name}' does not speak '${unspoken}' (it speaks ${defaults.apis.join(', ')})`);
    const declared = new Set<DialectName>(config.apis);
    apis = defaults.apis.filter((api) => declared.has(api));
  }
  if (config.embeddings === true && !hasEmbeddingsApi(provider)) {
    throw new ConfigError(`${field}.embeddings: provider '${provider.name}' has no embeddings API`);
  }
  return Object.freeze({
    id: `${provider.name}:${upstreamModel}`,
    provider,
    upstreamModel,
    weight: config.weight,
    index,
    capabilities: Object.freeze({
      tools: config.tools ?? defaults.tools,
      images: options.takesImages && (config.images ?? defaults.images),
      reasoning: config.reasoning ?? defaults.reasoning,
      maxOutputTokens: config.maxOutputTokens,
      contextWindow: config.contextWindow,
      apis: Object.freeze(apis),
      embeddings: config.embeddings ?? servesEmbeddings(provider, upstreamModel),
    }),
    timeouts: config.timeouts ? resolveTimeouts(provider.timeouts.settings, config.timeouts) : provider.timeouts,
    private: config.private ?? provider.private,
  });
}
