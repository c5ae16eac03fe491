import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

let upstream: FakeUpstream;
let harness: TestGateway;
let adminToken: string;

beforeAll(async () => {
  // OpenAI's key comes from the config; Mistral has none, so a stored one is what it would use.
  upstream = await startFakeUpstream({ host: '127.0.0.1', port: 0 });
  harness = await startTestGateway({
    providers: {
      openai: { baseUrl: `${upstream.url}/v1`, apiKey: upstreamKeys.openai },
      mistral: { baseUrl: `${upstream.url}/v1` },
    },
  });
  adminToken = await harness.issueKey({ name: 'provider-admin', role: 'admin' });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});

const admin = (method: string, path: string, body?: unknown) =>
  fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

interface Source {
  provider: string;
  source: string;
  stored: boolean;
}

const sourceOf = async (provider: string) => ((await (await admin('GET', '/admin/provider-keys')).json()) as { data: Source[] }).data.find((row) => row.provider === provider);

describe('admin API: provider keys', () => {
  it('lists where each key comes from, stores one sealed and uses it at once, never shows it back, and removes it', async () => {
    expect(await sourceOf('openai')).toMatchObject({ source: 'config', stored: false });
    expect(await sourceOf('mistral')).toMatchObject({ source: 'none', stored: false });
    expect(await sourceOf('mock')).toBeUndefined();
    const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const ask = () => client.chat.completions.create({ model: 'mistral:mistral-small-latest', messages: [{ role: 'user', content: 'hi' }] });
    await expect(ask()).rejects.toMatchObject({ status: 503 });

    const secret = 'mistral-stored-provider-secret-0042';
    const stored = await admin('PUT', '/admin/provider-keys/mistral', { key: secret });
    expect(stored.status).toBe(200);
    const storedText = await stored.text();
    expect(storedText).not.toContain(secret);
    expect(JSON.parse(storedText)).toMatchObject({ provider: 'mistral', source: 'stored', stored: true });
    expect(JSON.stringify(await sourceOf('mistral'))).not.toContain(secret);
    const sealed = (await harness.gateway.services.store.listProviderKeys()).find((row) => row.provider === 'mistral');
    expect(sealed?.sealedKey).not.toContain(secret);

    await ask();
    expect(upstream.requests.at(-1)?.headers.authorization).toBe(`Bearer ${secret}`);

    expect((await admin('DELETE', '/admin/provider-keys/mistral')).status).toBe(200);
    expect(await sourceOf('mistral')).toMatchObject({ source: 'none', stored: false });
    await expect(ask()).rejects.toMatchObject({ status: 503 });
    expect((await admin('DELETE', '/admin/provider-keys/mistral')).status).toBe(404);
    expect((await admin('PUT', '/admin/provider-keys/nonesuch', { key: 'x' })).status).toBe(404);
    expect((await admin('PUT', '/admin/provider-keys/mistral', { key: '' })).status).toBe(400);
    expect((await admin('PUT', '/admin/provider-keys/mistral', { key: 'x', extra: 1 })).status).toBe(400);
  });
});
