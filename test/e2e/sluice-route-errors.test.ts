import pino from 'pino';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Sluice's own JSON routes (admin, analytics, metrics, target health, /v1/usage) share one scoped error handler
 * (server/routes/sluice-owned-routes.ts): what their handlers throw, and what Fastify refuses before a handler
 * runs, answers in one envelope with the request id, the API version and no detail of an unexpected cause.
 */
let harness: TestGateway;
let adminToken: string;
const logLines: string[] = [];

beforeAll(async () => {
  const logger = pino({ level: 'error' }, { write: (line: string) => void logLines.push(line) });
  harness = await startTestGateway({}, { logger });
  adminToken = await harness.issueKey({ name: 'errors-admin', role: 'admin' });
});
afterAll(() => harness.close());
afterEach(() => vi.restoreAllMocks());

const get = (path: string, headers: Record<string, string> = {}) => fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${adminToken}`, ...headers } });

describe('errors on Sluice-owned routes', () => {
  it('answers an unexpected failure as a bare 500 in OpenAI shape and logs the cause', async () => {
    vi.spyOn(harness.gateway.services.metrics, 'exposition').mockRejectedValue(new Error('exposition broke: secret detail'));
    const answer = await get('/metrics');
    expect(answer.status).toBe(500);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('x-sluice-request-id')).toMatch(/^[0-9A-Z]{26}$/);
    expect(answer.headers.get('sluice-api-version')).toBeTruthy();
    const text = await answer.text();
    expect(JSON.parse(text)).toMatchObject({ error: { code: 'internal_error', message: 'Internal gateway error.' } });
    expect(text).not.toContain('secret detail');
    expect(logLines.some((line) => line.includes('exposition broke') && line.includes('/metrics'))).toBe(true);
  });

  it('answers a refusal the handler throws with its own status, in OpenAI shape even for an Anthropic client', async () => {
    const answer = await get('/admin/keys', { authorization: 'Bearer sk-sluice-not-a-key', 'anthropic-version': '2023-06-01' });
    expect(answer.status).toBe(401);
    expect(answer.headers.get('x-should-retry')).toBe('false');
    expect(await answer.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
  });

  it('answers a body Fastify refuses before the handler in the same envelope', async () => {
    const answer = await fetch(`${harness.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: '{"name": ',
    });
    expect(answer.status).toBe(400);
    expect(answer.headers.get('x-sluice-request-id')).toBeTruthy();
    expect(await answer.json()).toMatchObject({ error: { code: 'invalid_json' } });
    const wrongType = await fetch(`${harness.url}/admin/keys`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'text/plain' }, body: 'name' });
    expect(wrongType.status).toBe(415);
    expect(await wrongType.json()).toMatchObject({ error: { code: 'unsupported_media_type' } });
  });

  it("answers /v1/usage's errors in the shape the caller's headers suggest", async () => {
    const asOpenAi = await fetch(`${harness.url}/v1/usage`, { headers: { authorization: 'Bearer sk-sluice-not-a-key' } });
    expect(asOpenAi.status).toBe(401);
    expect(await asOpenAi.json()).toMatchObject({ error: { code: 'invalid_api_key' } });
    const asAnthropic = await fetch(`${harness.url}/v1/usage`, { headers: { 'x-api-key': 'sk-sluice-not-a-key', 'anthropic-version': '2023-06-01' } });
    expect(asAnthropic.status).toBe(401);
    expect(await asAnthropic.json()).toMatchObject({ type: 'error', error: { type: 'authentication_error' } });
  });

  it('writes no usage row for any of them', async () => {
    const rows = await harness.usageRows();
    expect(rows).toEqual([]);
  });
});
