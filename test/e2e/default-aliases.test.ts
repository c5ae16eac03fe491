import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * The short names a quickstart copies (`haiku`, `gpt`…) work on a fresh install: on the provider when it has
 * a key, on the mock while the mock stands in, and otherwise the refusal names the missing key.
 */
describe('default aliases with every provider configured', () => {
  let harness: TestGateway;
  beforeAll(async () => {
    // The harness's own aliases left out: only the shipped defaults.
    harness = await startTestGateway({ aliases: {}, groups: { sonnet: { targets: [{ model: 'openai:gpt-4o-mini' }] } } });
  });
  afterAll(() => harness.close());

  it('routes haiku, gpt and gemini-flash to their providers through the official SDKs', async () => {
    const anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
    const message = await anthropic.messages.create({ model: 'haiku', max_tokens: 64, messages: [{ role: 'user', content: 'Hi' }] });
    expect(message.content[0]).toMatchObject({ type: 'text' });
    expect(harness.upstream.requests.at(-1)!.headers['x-api-key']).toBe(upstreamKeys.anthropic);
    expect((harness.upstream.requests.at(-1)!.body as { model: string }).model).toBe('claude-haiku-4-5');

    const openai = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await openai.chat.completions.create({ model: 'gpt', messages: [{ role: 'user', content: 'Hi' }] });
    expect((harness.upstream.requests.at(-1)!.body as { model: string }).model).toBe('gpt-5.5');
    await openai.chat.completions.create({ model: 'gemini-flash', messages: [{ role: 'user', content: 'Hi' }] });
    expect(harness.upstream.requests.at(-1)!.path).toContain('/models/gemini-3.5-flash:generateContent');

    const rows = await harness.usageRows();
    expect(rows.map((row) => [row.requestedModel, row.provider, row.upstreamModel])).toEqual([
      ['haiku', 'anthropic', 'claude-haiku-4-5'],
      ['gpt', 'openai', 'gpt-5.5'],
      ['gemini-flash', 'gemini', 'gemini-3.5-flash'],
    ]);
  });

  it('lists each default alias in /v1/models with what it resolves to', async () => {
    const response = await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${harness.token}` } });
    const listed = ((await response.json()) as { data: Array<{ id: string; owned_by: string; resolves_to?: string }> }).data;
    expect(listed).toContainEqual(expect.objectContaining({ id: 'haiku', owned_by: 'anthropic', resolves_to: 'anthropic:claude-haiku-4-5' }));
    expect(listed).toContainEqual(expect.objectContaining({ id: 'mistral-small', owned_by: 'mistral', resolves_to: 'mistral:mistral-small-latest' }));
    expect(listed).toContainEqual(expect.objectContaining({ id: 'grok', owned_by: 'grok', resolves_to: 'grok:grok-4.6' }));
    // A group of an alias's name is what the name means, listed once.
    expect(listed.filter((model) => model.id === 'sonnet')).toEqual([expect.objectContaining({ owned_by: 'sluice' })]);
  });

  it('lets a group take the name of a default alias', async () => {
    const openai = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await openai.chat.completions.create({ model: 'sonnet', messages: [{ role: 'user', content: 'Hi' }] });
    expect((harness.upstream.requests.at(-1)!.body as { model: string }).model).toBe('gpt-4o-mini');
  });
});

describe('default aliases on a gateway without provider keys', () => {
  let harness: TestGateway;
  let providerUpstream: FakeUpstream;
  beforeAll(async () => {
    providerUpstream = await startFakeUpstream({ host: '127.0.0.1', port: 0 });
    // No key anywhere: the mock stands in (`mock: auto`); Anthropic keeps an address for callers' own keys.
    harness = await startTestGateway({ mock: 'auto', aliases: {}, providers: { anthropic: { baseUrl: `${providerUpstream.url}/v1` } } });
  });
  afterAll(async () => {
    await harness.close();
    await providerUpstream.close();
  });

  it('answers every default alias from the mock, with the model it stands for', async () => {
    const openai = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'haiku', messages: [{ role: 'user', content: 'Hello!' }] });
    expect(completion.choices[0]!.message.content).toContain('Hello!');
    expect(completion.model).toBe('claude-haiku-4-5');
    const anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
    for (const alias of ['sonnet', 'opus', 'gpt', 'gpt-mini', 'o-mini', 'reasoning', 'gemini-flash', 'gemini-pro', 'mistral-small', 'mistral-large', 'grok']) {
      const message = await anthropic.messages.create({ model: alias, max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] });
      expect(message.content[0], alias).toMatchObject({ type: 'text' });
    }
    const rows = await harness.usageRows();
    expect(rows).toHaveLength(12);
    expect(rows.every((row) => row.provider === 'mock' && row.statusCode === 200)).toBe(true);
    expect(rows[0]).toMatchObject({ requestedModel: 'haiku', upstreamModel: 'claude-haiku-4-5' });
    expect(providerUpstream.requests).toHaveLength(0);
  });

  it('sends a caller who brings its own provider key to the real provider, not the mock', async () => {
    const anthropic = new Anthropic({
      apiKey: 'sk-ant-callers-own-key',
      baseURL: harness.url,
      maxRetries: 0,
      defaultHeaders: { 'x-sluice-token': harness.token },
    });
    await anthropic.messages.create({ model: 'haiku', max_tokens: 32, messages: [{ role: 'user', content: 'Hi' }] });
    const received = providerUpstream.requests.at(-1)!;
    expect(received.headers['x-api-key']).toBe('sk-ant-callers-own-key');
    expect((received.body as { model: string }).model).toBe('claude-haiku-4-5');
  });

  it('lists the stand-ins in /v1/models as the mock', async () => {
    const response = await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${harness.token}` } });
    const listed = ((await response.json()) as { data: Array<{ id: string; owned_by: string; resolves_to?: string }> }).data;
    expect(listed).toContainEqual(expect.objectContaining({ id: 'haiku', owned_by: 'mock', resolves_to: 'mock:claude-haiku-4-5' }));
  });
});

describe('default aliases whose provider has no key while the mock is off', () => {
  let harness: TestGateway;
  beforeAll(async () => {
    harness = await startTestGateway({
      aliases: { opus: null, quick: 'gpt-mini' },
      providers: { openai: { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'sk-o' }, anthropic: { baseUrl: 'http://127.0.0.1:9/v1' } },
    });
  });
  afterAll(() => harness.close());

  const call = (model: string) =>
    fetch(`${harness.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': harness.token, 'content-type': 'application/json' },
      body: JSON.stringify({ model, max_tokens: 16, messages: [{ role: 'user', content: 'Hi' }] }),
    });

  it('refuses with a 503 that names the provider key to set', async () => {
    const response = await call('haiku');
    expect(response.status).toBe(503);
    const body = (await response.json()) as { error: { type: string; message: string } };
    expect(body.error.message).toContain("'anthropic' has no API key");
    expect(body.error.message).toContain('ANTHROPIC_API_KEY');
  });

  it('does not list an alias it cannot serve, honours removals and aliases of aliases', async () => {
    expect((await call('opus')).status).toBe(404);
    const response = await fetch(`${harness.url}/v1/models`, { headers: { authorization: `Bearer ${harness.token}` } });
    const ids = ((await response.json()) as { data: Array<{ id: string; resolves_to?: string }> }).data;
    expect(ids.map((model) => model.id)).not.toContain('haiku');
    expect(ids.map((model) => model.id)).not.toContain('opus');
    expect(ids).toContainEqual(expect.objectContaining({ id: 'quick', resolves_to: 'openai:gpt-5.4-mini' }));
  });
});
