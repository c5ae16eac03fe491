import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';

describe('configuration', () => {
  it('has working defaults with no file at all', () => {
    const config = parseConfig({}, {});
    expect(config.server).toEqual({ host: '127.0.0.1', port: 8422, bodyLimit: 32 * 1024 * 1024 });
    expect(config.dataDir).toMatch(/\.sluice$/);
    expect(config.upstream.timeoutMs).toBe(30_000);
  });

  it('pricing: model overrides as before, and preferBilled as a reserved switch beside them', () => {
    expect(parseConfig({}, {}).pricing).toEqual({ preferBilled: false, overrides: {} });
    const price = { inputPerMillion: 1, outputPerMillion: 2 };
    expect(parseConfig({ pricing: { 'vllm:llama': price } }, {}).pricing).toEqual({ preferBilled: false, overrides: { 'vllm:llama': price } });
    expect(parseConfig({ pricing: { preferBilled: true, 'vllm:llama': price } }, {}).pricing).toEqual({ preferBilled: true, overrides: { 'vllm:llama': price } });
    expect(() => parseConfig({ pricing: { preferBilled: 'yes' } }, {})).toThrow(/pricing\.preferBilled/);
    expect(() => parseConfig({ pricing: { 'vllm:llama': { inputPerMillion: 1 } } }, {})).toThrow(/pricing\.vllm:llama\.outputPerMillion/);
    expect(() => parseConfig(JSON.parse('{"pricing":{"__proto__":{"inputPerMillion":1,"outputPerMillion":2}}}') as Record<string, unknown>, {})).toThrow(/__proto__/);
  });

  it('names the field of every invalid value', () => {
    expect(() => parseConfig({ server: { port: 'eighty' } }, {})).toThrow(/server\.port/);
    expect(() => parseConfig({ upstream: { timeoutMs: -1 } }, {})).toThrow(/upstream\.timeoutMs/);
    expect(() => parseConfig({ providers: { openai: { baseUrl: 'not a url' } } }, {})).toThrow(/providers\.openai\.baseUrl/);
    expect(() => parseConfig({ server: { prot: 1 } }, {})).toThrow(/server\.prot: unknown field/);
  });

  it('reads secrets from ${ENV} and fails naming the field when the variable is unset', () => {
    const config = parseConfig({ providers: { openai: { apiKey: '${MY_KEY}' } } }, { MY_KEY: 'sk-from-env' });
    expect(config.providers.openai?.apiKey).toBe('sk-from-env');
    expect(() => parseConfig({ providers: { openai: { apiKey: '${MISSING_KEY}' } } }, {})).toThrow(
      'providers.openai.apiKey: environment variable MISSING_KEY is not set',
    );
    expect(parseConfig({ dataDir: '${NOPE:-/tmp/sluice-default}' }, {}).dataDir).toBe('/tmp/sluice-default');
  });

  it('parses byte sizes and honours SLUICE_PORT / SLUICE_HOST / SLUICE_DATA_DIR', () => {
    const config = parseConfig({ server: { bodyLimit: '512kb' } }, { SLUICE_PORT: '9000', SLUICE_HOST: '0.0.0.0', SLUICE_DATA_DIR: '/tmp/x' });
    expect(config.server).toEqual({ host: '0.0.0.0', port: 9000, bodyLimit: 512 * 1024 });
    expect(config.dataDir).toBe('/tmp/x');
  });
});

describe('provider registry', () => {
  it('enables the mock only when no real provider is configured', () => {
    const bare = buildProviderRegistry({ config: parseConfig({}, {}), env: {}, providersWithStoredKeys: new Set() });
    expect(bare.get('mock')).toBeDefined();
    const withKey = buildProviderRegistry({ config: parseConfig({}, {}), env: { OPENAI_API_KEY: 'k' }, providersWithStoredKeys: new Set() });
    expect(withKey.get('mock')).toBeUndefined();
    expect(withKey.get('openai')?.configuredKey).toBe('k');
    const stored = buildProviderRegistry({ config: parseConfig({}, {}), env: {}, providersWithStoredKeys: new Set(['anthropic']) });
    expect(stored.get('mock')).toBeUndefined();
  });

  it('adds OpenAI-compatible servers as data and rejects bad names', () => {
    const registry = buildProviderRegistry({
      config: parseConfig({ providers: { ollama: { baseUrl: 'http://127.0.0.1:11434/v1/', models: ['llama3'] } } }, {}),
      env: {},
      providersWithStoredKeys: new Set(),
    });
    expect(registry.get('ollama')).toMatchObject({ kind: 'openai-compatible', baseUrl: 'http://127.0.0.1:11434/v1', requiresKey: false });
    expect(() =>
      buildProviderRegistry({ config: parseConfig({ providers: { v1: { baseUrl: 'http://x/v1' } } }, {}), env: {}, providersWithStoredKeys: new Set() }),
    ).toThrow(/providers\.v1/);
    expect(() =>
      buildProviderRegistry({ config: parseConfig({ providers: { local: {} } }, {}), env: {}, providersWithStoredKeys: new Set() }),
    ).toThrow('providers.local.baseUrl');
  });

  it('switches a provider off with enabled: false', () => {
    const registry = buildProviderRegistry({
      config: parseConfig({ providers: { grok: { enabled: false } } }, {}),
      env: { XAI_API_KEY: 'k' },
      providersWithStoredKeys: new Set(),
    });
    expect(registry.get('grok')).toBeUndefined();
  });
});
