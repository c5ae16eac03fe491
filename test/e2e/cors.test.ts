import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { corsPolicyFor } from '../../src/server/cors-policy.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway({ cors: { origins: ['https://app.example.com'] } });
});
afterAll(() => harness.close());

const preflight = (origin: string) =>
  fetch(`${harness.url}/v1/chat/completions`, {
    method: 'OPTIONS',
    headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type,x-stainless-os' },
  });

describe('CORS', () => {
  it('answers the preflight of an allowed origin by echoing it, with credentials, never *', async () => {
    const response = await preflight('https://app.example.com');
    expect(response.status).toBe(204);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-allow-credentials')).toBe('true');
    expect(response.headers.get('access-control-allow-headers')).toContain('authorization');
    expect(response.headers.get('access-control-allow-methods')).toContain('POST');
  });

  it('allows localhost by default and nobody else', async () => {
    expect((await preflight('http://localhost:5173')).headers.get('access-control-allow-origin')).toBe('http://localhost:5173');
    expect((await preflight('https://evil.example.net')).headers.get('access-control-allow-origin')).toBeNull();
  });

  it('lets an allowed page read the answer and the Sluice headers', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { origin: 'https://app.example.com', 'content-type': 'application/json', authorization: `Bearer ${harness.token}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('access-control-allow-origin')).toBe('https://app.example.com');
    expect(response.headers.get('access-control-expose-headers')).toContain('x-sluice-request-id');
  });

  it('refuses a preflight without a requested method (400) and leaves one from another origin to the 404', async () => {
    const withoutMethod = await fetch(`${harness.url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin: 'https://app.example.com' } });
    expect(withoutMethod.status).toBe(400);
    expect(await withoutMethod.text()).toBe('Invalid Preflight Request');
    const elsewhere = await preflight('https://evil.example.net');
    expect(elsewhere.status).toBe(404);
    expect(elsewhere.headers.get('access-control-allow-methods')).toBeNull();
  });

  it('answers a call without Origin with no CORS headers, only Vary: Origin', async () => {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.token}` },
      body: JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(response.status).toBe(200);
    expect(response.headers.get('vary')).toBe('Origin');
    expect(response.headers.get('access-control-allow-origin')).toBeNull();
    expect(response.headers.get('access-control-expose-headers')).toBeNull();
  });

  it('a * entry allows every origin, without credentials', () => {
    const open = corsPolicyFor(['*']);
    expect(open.allows('https://anywhere.example.org')).toBe(true);
    expect(open.credentials).toBe(false);
    const listed = corsPolicyFor(['https://app.example.com']);
    expect(listed.allows('https://anywhere.example.org')).toBe(false);
    expect(listed.allows('http://127.0.0.1:3000')).toBe(true);
    expect(listed.credentials).toBe(true);
  });
});
