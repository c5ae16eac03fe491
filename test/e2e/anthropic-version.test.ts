import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** Which `anthropic-version` reaches Anthropic: the caller's on pass-through, the translator's otherwise, the config's when pinned. */

let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway();
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const newerVersion = '2026-10-21';
const translatorVersion = '2023-06-01';
const anthropicBody = { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };
const chatBody = { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] };

function post(url: string, path: string, token: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });
}

describe('anthropic-version', () => {
  it('forwards the caller\'s own version on pass-through', async () => {
    const response = await post(harness.url, '/v1/messages', harness.token, anthropicBody, { 'anthropic-version': newerVersion });
    expect(response.status).toBe(200);
    expect(harness.upstream.requests[0]!.headers['anthropic-version']).toBe(newerVersion);
  });

  it('forwards what the Anthropic SDK sends, count_tokens included', async () => {
    const client = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0, defaultHeaders: { 'anthropic-version': newerVersion } });
    await client.messages.create({ ...anthropicBody, messages: [{ role: 'user', content: 'hi' }] });
    await client.messages.countTokens({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }] });
    expect(harness.upstream.requests.map((request) => [request.path, request.headers['anthropic-version']])).toEqual([
      ['/v1/messages', newerVersion],
      ['/v1/messages/count_tokens', newerVersion],
    ]);
  });

  it('sends the default version on pass-through when the caller sent none', async () => {
    const response = await post(harness.url, '/v1/messages', harness.token, anthropicBody);
    expect(response.status).toBe(200);
    expect(harness.upstream.requests[0]!.headers['anthropic-version']).toBe(translatorVersion);
  });

  it('sends the version the translator was written for on translated calls, whatever the caller sent', async () => {
    const chat = await post(harness.url, '/v1/chat/completions', harness.token, chatBody, { 'anthropic-version': newerVersion });
    const gemini = await post(harness.url, '/v1beta/models/claude-haiku-4-5:generateContent', harness.token, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] });
    expect([chat.status, gemini.status]).toEqual([200, 200]);
    expect(harness.upstream.requests.map((request) => request.headers['anthropic-version'])).toEqual([translatorVersion, translatorVersion]);
  });
});

describe('providers.<name>.anthropicVersion', () => {
  let upstream: FakeUpstream;
  let pinned: TestGateway;
  beforeAll(async () => {
    upstream = await startFakeUpstream();
    pinned = await startTestGateway({
      providers: { anthropic: { baseUrl: `${upstream.url}/v1`, apiKey: 'sk-ant-pinned', anthropicVersion: '2024-10-22' } },
    });
  });
  afterAll(async () => {
    await pinned.close();
    await upstream.close();
  });

  it('overrides the caller\'s version and the translator\'s', async () => {
    await post(pinned.url, '/v1/messages', pinned.token, anthropicBody, { 'anthropic-version': newerVersion });
    await post(pinned.url, '/v1/messages', pinned.token, anthropicBody);
    await post(pinned.url, '/v1/chat/completions', pinned.token, chatBody);
    expect(upstream.requests.map((request) => request.headers['anthropic-version'])).toEqual(['2024-10-22', '2024-10-22', '2024-10-22']);
  });

  it('must be a header-safe token', () => {
    expect(() => parseConfig({ providers: { anthropic: { anthropicVersion: '2024-10-22\r\nx-injected: 1' } } }, {})).toThrow(/providers\.anthropic\.anthropicVersion/);
    expect(() => parseConfig({ providers: { anthropic: { anthropicVersion: '' } } }, {})).toThrow(/providers\.anthropic\.anthropicVersion/);
  });
});
