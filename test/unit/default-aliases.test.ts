import { calcPrice } from '@pydantic/genai-prices';
import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import { builtinProviders } from '../../src/providers/builtin-providers.js';
import { buildAliasTables, defaultAliases } from '../../src/routing/default-aliases.js';

function tablesFor(document: Record<string, unknown>, env: Record<string, string>) {
  const config = parseConfig(document, {});
  const registry = buildProviderRegistry({ config, env, providersWithStoredKeys: new Set() });
  return buildAliasTables({
    configured: config.aliases,
    registry,
    hasKey: (provider) => provider.configuredKey !== undefined,
  });
}

describe('the default alias table', () => {
  it('names the short names every quickstart uses', () => {
    for (const name of ['haiku', 'sonnet', 'opus', 'gpt', 'gpt-mini', 'o-mini', 'gemini-flash', 'gemini-pro', 'mistral-small', 'mistral-large', 'grok']) {
      expect(defaultAliases.has(name), name).toBe(true);
    }
  });

  it('points every alias at a built-in provider and a model the price catalogue knows for it', () => {
    for (const [alias, target] of defaultAliases) {
      const [provider, model] = [target.slice(0, target.indexOf(':')), target.slice(target.indexOf(':') + 1)];
      const entry = builtinProviders[provider as keyof typeof builtinProviders];
      expect(entry, `${alias}: provider ${provider}`).toBeDefined();
      const price = calcPrice({ input_tokens: 1000, output_tokens: 1000 }, model, { providerId: entry.pricingProviderId! });
      expect(price?.total_price ?? 0, `${alias} → ${target} has no catalogue price`).toBeGreaterThan(0);
    }
  });
});

describe('building the alias tables', () => {
  it('points an alias at its provider when that provider has a key', () => {
    const { aliases, withoutStandIns } = tablesFor({}, { ANTHROPIC_API_KEY: 'a' });
    expect(aliases.get('haiku')).toBe('anthropic:claude-haiku-4-5');
    // No mock stands in (a real provider is ready): one table for everyone.
    expect(withoutStandIns).toBe(aliases);
  });

  it('lets the mock stand in for providers without a key while it is on, but not for callers with their own key', () => {
    const { aliases, withoutStandIns } = tablesFor({ mock: 'auto' }, {});
    expect(aliases.get('haiku')).toBe('mock:claude-haiku-4-5');
    expect(aliases.get('gpt')).toBe('mock:gpt-5.5');
    expect(withoutStandIns.get('haiku')).toBe('anthropic:claude-haiku-4-5');
  });

  it('keeps an alias on its keyless provider when the mock is off, so the call can name the missing key', () => {
    const { aliases } = tablesFor({ mock: 'off' }, { OPENAI_API_KEY: 'o' });
    expect(aliases.get('haiku')).toBe('anthropic:claude-haiku-4-5');
    expect(aliases.get('gpt')).toBe('openai:gpt-5.5');
  });

  it('lets the config override an alias and remove one with null', () => {
    const { aliases } = tablesFor({ aliases: { haiku: 'openai:gpt-4o-mini', opus: null, fast: 'haiku' } }, { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o' });
    expect(aliases.get('haiku')).toBe('openai:gpt-4o-mini');
    expect(aliases.has('opus')).toBe(false);
    expect(aliases.get('fast')).toBe('haiku');
  });

  it('leaves out the aliases of a switched-off provider', () => {
    const { aliases } = tablesFor({ providers: { grok: { enabled: false } } }, { XAI_API_KEY: 'x' });
    expect(aliases.has('grok')).toBe(false);
  });
});
