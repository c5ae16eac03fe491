import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { dialects } from '../../src/dialects/dialects.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';

// What routing and the response cache ask each API shape of a raw request body (see routing-needs.ts and
// cache-request.ts): the answers each dialect gives for its own fields.
describe('dialect hooks for routing and the cache', () => {
  describe('openai-chat', () => {
    const dialect = dialects['openai-chat'];
    it('reads the output cap from max_completion_tokens first, then max_tokens', () => {
      expect([dialect.maxOutputTokens({ max_completion_tokens: 50, max_tokens: 10 }), dialect.maxOutputTokensField({ max_completion_tokens: 50, max_tokens: 10 })]).toEqual([50, 'max_completion_tokens']);
      expect([dialect.maxOutputTokens({ max_tokens: 10 }), dialect.maxOutputTokensField({ max_tokens: 10 })]).toEqual([10, 'max_tokens']);
      // A cap that is not a finite number is no cap, and the field named is the older one.
      expect([dialect.maxOutputTokens({ max_completion_tokens: '50' }), dialect.maxOutputTokensField({ max_completion_tokens: '50' })]).toEqual([undefined, 'max_tokens']);
      expect(dialect.maxOutputTokens({ max_tokens: Number.POSITIVE_INFINITY })).toBeUndefined();
      expect(dialect.maxOutputTokens({})).toBeUndefined();
    });
    it('finds images in the messages, in any spelling', () => {
      expect(dialect.sendsImages({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:' } }] }] })).toBe(true);
      expect(dialect.sendsImages({ messages: [{ role: 'user', content: [{ inlineData: { mimeType: 'image/png', data: '' } }] }] })).toBe(true);
      expect(dialect.sendsImages({ messages: [{ role: 'user', content: [{ inlineData: { mimeType: 'audio/wav', data: '' } }] }] })).toBe(false);
      expect(dialect.sendsImages({ messages: [{ role: 'user', content: 'a picture of a cat' }] })).toBe(false);
    });
    it('asks for reasoning with reasoning_effort', () => {
      expect(dialect.asksForReasoning({ reasoning_effort: 'low' })).toBe(true);
      expect(dialect.asksForReasoning({ messages: [] })).toBe(false);
    });
    it('leaves delivery and attribution fields out of the cache key', () => {
      for (const field of ['model', 'stream', 'stream_options', 'user', 'metadata', 'safety_identifier', 'prompt_cache_key', 'store']) expect(dialect.cacheIgnoredFields.has(field)).toBe(true);
      for (const field of ['messages', 'temperature', 'max_tokens', 'tools', 'reasoning_effort']) expect(dialect.cacheIgnoredFields.has(field)).toBe(false);
    });
  });

  describe('openai-responses', () => {
    const dialect = dialects['openai-responses'];
    it('reads the output cap from max_output_tokens', () => {
      expect([dialect.maxOutputTokens({ max_output_tokens: 64, max_tokens: 10 }), dialect.maxOutputTokensField({ max_output_tokens: 64 })]).toEqual([64, 'max_output_tokens']);
      expect([dialect.maxOutputTokens({}), dialect.maxOutputTokensField({})]).toEqual([undefined, 'max_output_tokens']);
    });
    it('finds images in the input', () => {
      expect(dialect.sendsImages({ input: [{ role: 'user', content: [{ type: 'input_image', image_url: 'data:' }] }] })).toBe(true);
      expect(dialect.sendsImages({ input: 'describe nothing' })).toBe(false);
    });
    it('asks for reasoning with a reasoning block', () => {
      expect(dialect.asksForReasoning({ reasoning: { effort: 'high' } })).toBe(true);
      expect(dialect.asksForReasoning({ input: 'hi' })).toBe(false);
    });
    it('shares the OpenAI delivery and attribution fields', () => {
      expect(dialect.cacheIgnoredFields).toBe(dialects['openai-chat'].cacheIgnoredFields);
      expect(dialect.cacheIgnoredFields.has('input')).toBe(false);
    });
  });

  describe('anthropic-messages', () => {
    const dialect = dialects['anthropic-messages'];
    it('reads the output cap from max_tokens', () => {
      expect([dialect.maxOutputTokens({ max_tokens: 1024 }), dialect.maxOutputTokensField({ max_tokens: 1024 })]).toEqual([1024, 'max_tokens']);
      expect(dialect.maxOutputTokens({ max_tokens: null })).toBeUndefined();
    });
    it('finds images in the messages, also inside a tool result', () => {
      const toolResultImage = { role: 'user', content: [{ type: 'tool_result', tool_use_id: 't', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: '' } }] }] };
      expect(dialect.sendsImages({ messages: [toolResultImage] })).toBe(true);
      expect(dialect.sendsImages({ messages: [{ role: 'user', content: [{ type: 'text', text: 'no image' }] }] })).toBe(false);
    });
    it('asks for reasoning with thinking, unless thinking is disabled', () => {
      expect(dialect.asksForReasoning({ thinking: { type: 'enabled', budget_tokens: 2048 } })).toBe(true);
      expect(dialect.asksForReasoning({ thinking: { type: 'disabled' } })).toBe(false);
      expect(dialect.asksForReasoning({})).toBe(false);
    });
    it('leaves the model, streaming and metadata out of the cache key', () => {
      expect([...dialect.cacheIgnoredFields].sort()).toEqual(['metadata', 'model', 'stream']);
    });
  });

  describe('gemini', () => {
    const dialect = dialects.gemini;
    it('reads the output cap from generationConfig.maxOutputTokens', () => {
      expect([dialect.maxOutputTokens({ generationConfig: { maxOutputTokens: 300 } }), dialect.maxOutputTokensField({})]).toEqual([300, 'generationConfig.maxOutputTokens']);
      expect(dialect.maxOutputTokens({ generationConfig: null })).toBeUndefined();
      expect(dialect.maxOutputTokens({ maxOutputTokens: 300 })).toBeUndefined();
    });
    it('finds inline and file images in the contents, not other media', () => {
      expect(dialect.sendsImages({ contents: [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/jpeg', data: '' } }] }] })).toBe(true);
      expect(dialect.sendsImages({ contents: [{ role: 'user', parts: [{ fileData: { mimeType: 'image/png', fileUri: 'gs://x' } }] }] })).toBe(true);
      expect(dialect.sendsImages({ contents: [{ role: 'user', parts: [{ fileData: { mimeType: 'application/pdf', fileUri: 'gs://x' } }] }] })).toBe(false);
    });
    it('asks for reasoning with generationConfig.thinkingConfig', () => {
      expect(dialect.asksForReasoning({ generationConfig: { thinkingConfig: { thinkingBudget: 512 } } })).toBe(true);
      expect(dialect.asksForReasoning({ generationConfig: { temperature: 0 } })).toBe(false);
    });
    it('leaves only the model an embeddings body repeats out of the cache key', () => {
      expect([...dialect.cacheIgnoredFields]).toEqual(['model']);
    });
  });

  it('stops walking a prompt nested past the scan bound, counting from the body', () => {
    // The field itself is at depth 1; 31 more levels reach the bound, one further is past it.
    const nestedIn = (levels: number) => {
      let value: unknown = { type: 'image_url' };
      for (let level = 0; level < levels; level += 1) value = [value];
      return value;
    };
    expect(dialects['openai-chat'].sendsImages({ messages: nestedIn(31) })).toBe(true);
    expect(dialects['openai-chat'].sendsImages({ messages: nestedIn(32) })).toBe(false);
  });
});

describe("a provider entry's gen_ai.provider.name", () => {
  it('is the conventions\' well-known value for hosted providers and the configured name otherwise', () => {
    const registry = buildProviderRegistry({
      config: parseConfig({ mock: 'on', providers: { local: { baseUrl: 'http://127.0.0.1:11434/v1' }, claude: { type: 'anthropic', apiKey: 'k' } } }, {}),
      env: {},
      providersWithStoredKeys: new Set(),
    });
    const names = Object.fromEntries(['anthropic', 'openai', 'gemini', 'mistral', 'grok', 'local', 'claude', 'mock'].map((name) => [name, registry.get(name)?.genAiProviderName]));
    expect(names).toEqual({ anthropic: 'anthropic', openai: 'openai', gemini: 'gcp.gemini', mistral: 'mistral_ai', grok: 'x_ai', local: 'local', claude: 'anthropic', mock: 'mock' });
  });
});
