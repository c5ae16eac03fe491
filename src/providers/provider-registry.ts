import type { ProviderConfig, SluiceConfig } from '../config/config-schema.js';
import type { ProviderKind } from '../domain/provider-kind.js';
import { ConfigError } from '../config/interpolate-env.js';
import { builtinProviders, openAiCompatibleTemplate } from './builtin-providers.js';
import type { DialectName } from '../domain/dialect-name.js';
import type { ProviderEndpoint, ProviderEntry } from '../domain/provider-entry.js';
import { resolveTimeouts, upstreamTimeoutSettings } from '../upstream/upstream-timeouts.js';
import { type TargetTimeouts } from '../domain/timeouts.js';

/** Names that cannot be used for providers because they are routes of their own. */
const reservedNames = new Set(['v1', 'admin', 'analytics', 'dashboard', 'healthz', 'readyz', 'metrics']);

/** All providers Sluice knows, in resolution order. */
export class ProviderRegistry {
  readonly #byName: Map<string, ProviderEntry>;

  constructor(entries: ProviderEntry[]) {
    this.#byName = new Map(entries.map((entry) => [entry.name, entry]));
  }

  get(name: string): ProviderEntry | undefined {
    const entry = this.#byName.get(name);
    return entry && !entry.switchedOff ? entry : undefined;
  }

  /** Providers that may be routed to (not switched off). */
  routable(): ProviderEntry[] {
    return [...this.#byName.values()].filter((entry) => !entry.switchedOff);
  }

  /** Providers that exist but are switched off: a group may name them, and leaves them out. */
  switchedOffNames(): Set<string> {
    return new Set([...this.#byName.values()].filter((entry) => entry.switchedOff).map((entry) => entry.name));
  }

  /** Points a provider at another base URL (the built-in mock upstream gets its port at start). */
  setBaseUrl(name: string, baseUrl: string): void {
    const entry = this.#byName.get(name);
    if (entry) this.#byName.set(name, { ...entry, baseUrl: stripTrailingSlash(baseUrl) });
  }
}

export interface BuildProviderRegistryOptions {
  config: SluiceConfig;
  env: NodeJS.ProcessEnv;
  /** Providers that have an encrypted key in the store: they count as configured for the mock's `auto`. */
  providersWithStoredKeys: ReadonlySet<string>;
}

/**
 * Merges the built-in entries with `providers:` from the config and the usual provider environment
 * variables. Every built-in hosted provider stays routable without a key, because a caller may bring its
 * own (pass-through mode); it answers 503 otherwise.
 */
export function buildProviderRegistry(options: BuildProviderRegistryOptions): ProviderRegistry {
  const { config, env, providersWithStoredKeys } = options;
  const configured = config.providers;
  const entries: ProviderEntry[] = [];
  // Resolved once: providers without timeouts of their own share it.
  const upstreamSettings = upstreamTimeoutSettings(config.upstream);
  const upstreamTimeouts = resolveTimeouts(upstreamSettings);
  const timeoutsOf = (providerConfig: ProviderConfig | undefined): TargetTimeouts =>
    providerConfig?.timeouts ? resolveTimeouts(upstreamSettings, providerConfig.timeouts) : upstreamTimeouts;

  for (const [kind, template] of Object.entries(builtinProviders)) {
    if (kind === 'mock') continue;
    const providerConfig = configured[kind];
    const envKey = template.envKeyName ? env[template.envKeyName] || undefined : undefined;
    const entry: ProviderEntry = {
      ...template,
      name: kind,
      genAiProviderName: template.genAiProviderName ?? kind,
      configuredKey: providerConfig?.apiKey ?? envKey,
      configuredKeySource: providerConfig?.apiKey !== undefined ? 'config' : envKey !== undefined ? 'env' : undefined,
      switchedOff: false,
      private: false,
      anthropicVersion: undefined,
      timeouts: timeoutsOf(providerConfig),
    };
    entries.push(applyConfig(entry, providerConfig));
  }

  for (const [name, providerConfig] of Object.entries(configured)) {
    if (Object.hasOwn(builtinProviders, name)) continue;
    if (reservedNames.has(name) || !/^[a-z0-9][a-z0-9_-]*$/.test(name)) {
      throw new ConfigError(
        `providers.${name}: provider names must be lower-case letters, digits, - or _ and not a reserved route`,
      );
    }
    const kind: ProviderKind = providerConfig.type ?? 'openai-compatible';
    if (kind === 'openai-compatible' && !providerConfig.baseUrl) {
      throw new ConfigError(`providers.${name}.baseUrl: required for an OpenAI-compatible provider`);
    }
    const template = kind === 'openai-compatible' ? openAiCompatibleTemplate : builtinProviders[kind];
    entries.push(
      applyConfig(
        {
          ...template,
          name,
          genAiProviderName: template.genAiProviderName ?? name,
          configuredKey: providerConfig.apiKey,
          configuredKeySource: providerConfig.apiKey !== undefined ? 'config' : undefined,
          switchedOff: false,
          private: false,
          anthropicVersion: undefined,
          timeouts: timeoutsOf(providerConfig),
        },
        providerConfig,
      ),
    );
  }

  const realProviderReady = entries.some(
    (entry) => !entry.switchedOff && (entry.configuredKey !== undefined || providersWithStoredKeys.has(entry.name) || !entry.requiresKey),
  );
  const mockWanted = config.mock === 'on' || (config.mock === 'auto' && !realProviderReady);
  const mock: ProviderEntry = {
    ...builtinProviders.mock,
    name: 'mock',
    genAiProviderName: builtinProviders.mock.genAiProviderName ?? 'mock',
    configuredKey: 'mock-key',
    configuredKeySource: undefined,
    switchedOff: !mockWanted,
    private: false,
    anthropicVersion: undefined,
    timeouts: timeoutsOf(configured.mock),
  };
  entries.push(applyConfig(mock, configured.mock));
  return new ProviderRegistry(entries);
}

function applyConfig(entry: ProviderEntry, providerConfig: ProviderConfig | undefined): ProviderEntry {
  if (!providerConfig) return entry;
  return {
    ...entry,
    endpoints: providerConfig.apis ? endpointsFor(providerConfig.apis, entry) : entry.endpoints,
    anthropicVersion: providerConfig.anthropicVersion ?? entry.anthropicVersion,
    acceptsImages: providerConfig.images ?? entry.acceptsImages,
    baseUrl: stripTrailingSlash(providerConfig.baseUrl ?? entry.baseUrl),
    models: providerConfig.models ?? entry.models,
    embeddingModels: providerConfig.embeddingModels ?? entry.embeddingModels,
    modelPrefixes: providerConfig.modelPrefixes ?? entry.modelPrefixes,
    fixedHeaders: { ...entry.fixedHeaders, ...(providerConfig.headers ?? {}) },
    switchedOff: providerConfig.enabled === false ? true : providerConfig.enabled === true ? false : entry.switchedOff,
    private: providerConfig.private ?? entry.private,
  };
}

function stripTrailingSlash(url: string): string {
  return url.endsWith('/') ? url.slice(0, -1) : url;
}

/** The conventional path and auth of each API shape, below an SDK-style base URL. */
const conventionalEndpoints: Record<DialectName, ProviderEndpoint> = {
  'openai-chat': { path: '/chat/completions', auth: 'bearer' },
  'openai-responses': { path: '/responses', auth: 'bearer' },
  'anthropic-messages': { path: '/messages', auth: 'x-api-key' },
  gemini: { path: '/models/{model}:generateContent', streamPath: '/models/{model}:streamGenerateContent?alt=sse', auth: 'x-goog-api-key' },
};

/** The endpoints `apis:` names, in its order: the provider's own path for a shape when it has one, else the convention. */
function endpointsFor(apis: readonly DialectName[], entry: ProviderEntry): Partial<Record<DialectName, ProviderEndpoint>> {
  return Object.fromEntries(apis.map((api) => [api, entry.endpoints[api] ?? entry.optionalEndpoints?.[api] ?? conventionalEndpoints[api]]));
}
