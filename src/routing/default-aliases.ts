import type { ProviderEntry } from '../domain/provider-entry.js';
import type { ProviderRegistry } from '../providers/provider-registry.js';

/**
 * The short names every quickstart uses, shipped so a copied `{"model": "haiku"}` works on a fresh install.
 * Each names a model the price catalogue knows (a unit test holds the table to that). `aliases:` in the
 * config overrides one by naming it, and removes one with `null`; a group of the same name wins over it
 * (resolution stops at a group's name before looking at aliases).
 */
export const defaultAliases: ReadonlyMap<string, string> = new Map([
  ['haiku', 'anthropic:claude-haiku-4-5'],
  ['sonnet', 'anthropic:claude-sonnet-4-6'],
  ['opus', 'anthropic:claude-opus-4-8'],
  ['gpt', 'openai:gpt-5.5'],
  ['gpt-mini', 'openai:gpt-5.4-mini'],
  ['o-mini', 'openai:o4-mini'],
  ['reasoning', 'openai:o3'],
  ['gemini-flash', 'gemini:gemini-3.5-flash'],
  ['gemini-pro', 'gemini:gemini-3.1-pro-preview'],
  ['mistral-small', 'mistral:mistral-small-latest'],
  ['mistral-large', 'mistral:mistral-large-latest'],
  ['grok', 'grok:grok-4.6'],
]);

/**
 * The alias tables a router resolves names with. `aliases` is what a call with the gateway's own
 * credentials uses: a default alias whose provider has no key points at the mock while the mock stands in
 * (so the quickstart answers on a machine with no provider key), else at its provider, where the call is
 * refused naming the missing key. `withoutStandIns` points every default alias at its real provider, for
 * callers that bring their own provider key and for provider-pinned routes; it is the same Map when
 * nothing stands in.
 */
export interface AliasTables {
  aliases: ReadonlyMap<string, string>;
  withoutStandIns: ReadonlyMap<string, string>;
}

export interface BuildAliasTablesOptions {
  /** `aliases:` from the config: a name to its model, or `null` to remove a default alias. */
  configured: Readonly<Record<string, string | null>>;
  registry: ProviderRegistry;
  /** Whether Sluice holds a key for the provider (config, environment or the encrypted store). */
  hasKey: (provider: ProviderEntry) => boolean;
}

export function buildAliasTables(options: BuildAliasTablesOptions): AliasTables {
  const { configured, registry } = options;
  const mock = registry.get('mock');
  const aliases = new Map<string, string>();
  const withoutStandIns = new Map<string, string>();
  let standsIn = false;
  for (const [alias, target] of defaultAliases) {
    if (Object.hasOwn(configured, alias)) continue;
    const providerName = target.slice(0, target.indexOf(':'));
    const provider = registry.get(providerName);
    // A switched-off provider's alias would only ever answer 404; leave the name free.
    if (!provider) continue;
    withoutStandIns.set(alias, target);
    const ready = !provider.requiresKey || options.hasKey(provider);
    if (!ready && mock) {
      aliases.set(alias, `mock:${target.slice(providerName.length + 1)}`);
      standsIn = true;
    } else {
      aliases.set(alias, target);
    }
  }
  for (const [alias, target] of configuredAliases(configured)) {
    aliases.set(alias, target);
    withoutStandIns.set(alias, target);
  }
  return { aliases, withoutStandIns: standsIn ? withoutStandIns : aliases };
}

/** The aliases the config itself names (its `null`s, which only remove defaults, left out). */
export function configuredAliases(configured: Readonly<Record<string, string | null>>): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const [alias, target] of Object.entries(configured)) if (target !== null) aliases.set(alias, target);
  return aliases;
}
