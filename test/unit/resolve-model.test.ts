import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { isModelAllowed } from '../../src/policy/allow-list.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import { resolveModel } from '../../src/routing/resolve-model.js';

const registry = buildProviderRegistry({
  config: parseConfig({ providers: { vllm: { baseUrl: 'http://127.0.0.1:8000/v1', models: ['llama-3.1-8b'] } } }, {}),
  env: { ANTHROPIC_API_KEY: 'a', OPENAI_API_KEY: 'o' },
  providersWithStoredKeys: new Set(),
});
const aliases = new Map(Object.entries({ haiku: 'anthropic:claude-haiku-4-5', fast: 'haiku', loop: 'loop' }));

function resolve(model: string, pinned?: string) {
  const target = resolveModel(model, { registry, aliases, pinnedProvider: pinned ? registry.get(pinned) : undefined });
  return `${target.provider.name}:${target.upstreamModel}`;
}

describe('model resolution', () => {
  it.each([
    ['claude-sonnet-4-5', 'anthropic:claude-sonnet-4-5'],
    ['gpt-4.1', 'openai:gpt-4.1'],
    ['o4-mini', 'openai:o4-mini'],
    ['gemini-2.5-pro', 'gemini:gemini-2.5-pro'],
    ['mistral-large-latest', 'mistral:mistral-large-latest'],
    ['codestral-latest', 'mistral:codestral-latest'],
    ['grok-4', 'grok:grok-4'],
    ['llama-3.1-8b', 'vllm:llama-3.1-8b'],
    ['vllm:anything/at-all', 'vllm:anything/at-all'],
    ['haiku', 'anthropic:claude-haiku-4-5'],
    ['fast', 'anthropic:claude-haiku-4-5'],
  ])('%s → %s', (model, expected) => {
    expect(resolve(model)).toBe(expected);
  });

  it('404s unknown models without looping on self-referencing aliases', () => {
    expect(() => resolve('no-such-model')).toThrow(GatewayError);
    expect(() => resolve('loop')).toThrow(/does not exist/);
    expect(() => resolve('unknownprovider:model')).toThrow(/does not exist/);
  });

  it('a pinned route takes any model name but refuses another provider', () => {
    expect(resolve('my-finetune', 'anthropic')).toBe('anthropic:my-finetune');
    expect(resolve('haiku', 'anthropic')).toBe('anthropic:claude-haiku-4-5');
    expect(() => resolve('openai:gpt-4.1', 'anthropic')).toThrow(/pinned/);
  });
});

describe('allow-lists', () => {
  const target = { requested: 'haiku', provider: 'anthropic', upstreamModel: 'claude-haiku-4-5' };
  it.each([
    [null, true],
    [['haiku'], true],
    [['claude-haiku-4-5'], true],
    [['anthropic:*'], true],
    [['claude-*'], true],
    [['openai:*', 'gpt-*'], false],
    [[], false],
    [['haiku.'], false],
  ])('%j admits haiku: %s', (allowed, expected) => {
    expect(isModelAllowed(allowed, target)).toBe(expected);
  });
});
