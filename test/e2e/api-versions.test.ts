import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiVersionRegistry, sluiceApiVersions } from '../../src/server/api-version/api-versions.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

// A second, newer version exists only in this test: the old one is deprecated with a sunset and changelog.
const versions = new ApiVersionRegistry(
  [{ name: '2027-03-01' }, { name: '2026-11-22', deprecation: { sunset: '2027-09-01', changelog: 'https://example.com/sluice/changelog#2027-03-01' } }],
  '2027-03-01',
);

let harness: TestGateway;
let adminToken: string;

beforeAll(async () => {
  harness = await startTestGateway({}, { apiVersions: versions });
  adminToken = await harness.issueKey({ name: 'versions-admin', role: 'admin' });
});
afterAll(() => harness.close());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${adminToken}`, ...headers } });

describe('Sluice-API-Version', () => {
  it('names the current version on every Sluice-owned answer when nothing is pinned', async () => {
    for (const path of ['/healthz', '/readyz', '/v1/usage', '/admin/keys', '/']) {
      const response = await get(path);
      expect(response.status, path).toBe(200);
      expect(response.headers.get('sluice-api-version'), path).toBe('2027-03-01');
      expect(response.headers.get('deprecation'), path).toBeNull();
    }
    // Error answers too (the key is refused after the version was settled).
    const refused = await fetch(`${harness.url}/admin/keys`);
    expect(refused.status).toBe(401);
    expect(refused.headers.get('sluice-api-version')).toBe('2027-03-01');
  });

  it('serves a pin of the current version as usual', async () => {
    const response = await get('/admin/keys', { 'sluice-api-version': '2027-03-01' });
    expect(response.status).toBe(200);
    expect(response.headers.get('sluice-api-version')).toBe('2027-03-01');
    expect(response.headers.get('sunset')).toBeNull();
  });

  it('refuses an unknown pin with a 400 in OpenAI shape listing the supported versions', async () => {
    const response = await get('/v1/usage', { 'sluice-api-version': '2020-01-01' });
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { message: string; type: string; param: string; code: string } };
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.code).toBe('unsupported_api_version');
    expect(body.error.param).toBe('sluice-api-version');
    expect(body.error.message).toContain('2020-01-01');
    expect(body.error.message).toContain('2027-03-01');
    expect(body.error.message).toContain('2026-11-22');
    expect(response.headers.get('x-should-retry')).toBe('false');
  });

  it('serves a deprecated pin with Deprecation, Sunset and a Link to the changelog', async () => {
    const response = await get('/admin/keys', { 'sluice-api-version': '2026-11-22' });
    expect(response.status).toBe(200);
    expect(response.headers.get('sluice-api-version')).toBe('2026-11-22');
    expect(response.headers.get('deprecation')).toBe('true');
    expect(response.headers.get('sunset')).toBe('Wed, 01 Sep 2027 00:00:00 GMT');
    expect(response.headers.get('link')).toBe('<https://example.com/sluice/changelog#2027-03-01>; rel="deprecation"; type="text/html"');
    expect(((await response.json()) as { data: unknown[] }).data.length).toBeGreaterThan(0);
  });

  it('leaves provider-shape endpoints frozen: no header, and a pin is not checked', async () => {
    const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0, defaultHeaders: { 'sluice-api-version': 'not-a-version' } });
    const completion = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }).withResponse();
    expect(completion.response.status).toBe(200);
    expect(completion.response.headers.get('sluice-api-version')).toBeNull();
    const models = await client.models.list().withResponse();
    expect(models.response.headers.get('sluice-api-version')).toBeNull();
    const pinned = await fetch(`${harness.url}/openai/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.token}`, 'content-type': 'application/json', 'sluice-api-version': 'not-a-version' },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(pinned.status).toBe(200);
    expect(pinned.headers.get('sluice-api-version')).toBeNull();
    const messages = await fetch(`${harness.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': harness.token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01', 'sluice-api-version': 'not-a-version' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(messages.status).toBe(200);
    expect(messages.headers.get('sluice-api-version')).toBeNull();
  });
});

describe('the shipped versions', () => {
  it('serve one current version that is not deprecated', () => {
    expect(sluiceApiVersions.names).toContain(sluiceApiVersions.current.name);
    expect(sluiceApiVersions.current.deprecated).toBe(false);
  });
});
