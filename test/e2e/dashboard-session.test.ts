import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sessionCookie } from '../../src/dashboard/session-cookie.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

const clock = new ManualClock();
let harness: TestGateway;
let adminToken: string;
let analyticsToken: string;

beforeAll(async () => {
  harness = await startTestGateway({ dashboard: { sessionHours: 2 } }, { clock: clock.now });
  adminToken = await harness.issueKey({ name: 'dash-admin', role: 'admin' });
  analyticsToken = await harness.issueKey({ name: 'dash-analytics', role: 'analytics' });
});
afterAll(() => harness.close());

const login = (key: string) =>
  fetch(`${harness.url}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ key }) });

/** Logs in and returns the session token from the `Set-Cookie` answer. */
async function sessionFor(key: string): Promise<string> {
  const answer = await login(key);
  expect(answer.status).toBe(200);
  const token = /^sluice_session=([^;]*)/.exec(answer.headers.get('set-cookie') ?? '')?.[1];
  expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
  return token!;
}

const withCookie = (path: string, token: string, init: RequestInit = {}) =>
  fetch(`${harness.url}${path}`, { ...init, headers: { cookie: `sluice_session=${token}`, ...(init.headers as Record<string, string> | undefined) } });

describe('dashboard sessions', () => {
  it('sets an HttpOnly, SameSite=Strict cookie holding a random token, and stores only its hash', async () => {
    const answer = await login(analyticsToken);
    expect(answer.status).toBe(200);
    expect(await answer.json()).toMatchObject({ object: 'dashboard.session', key_name: 'dash-analytics', role: 'analytics' });
    const cookie = answer.headers.get('set-cookie') ?? '';
    const attributes = cookie.split('; ');
    expect(attributes).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/', 'Max-Age=7200']));
    // Served over plain HTTP here, so not Secure; over HTTPS the same cookie carries it.
    expect(attributes).not.toContain('Secure');
    expect(sessionCookie('t', { maxAgeSeconds: 1, secure: true }).split('; ')).toContain('Secure');
    expect(cookie).not.toContain(analyticsToken);
    const token = /^sluice_session=([^;]*)/.exec(cookie)![1]!;
    const stored = await harness.gateway.services.store.findSession(createHash('sha256').update(token).digest('hex'));
    expect(stored).toMatchObject({ keyId: expect.stringMatching(/^key_/) });
    expect(stored!.expiresAt - stored!.createdAt).toBe(2 * 3_600_000);
  });

  it('refuses a wrong, malformed, ordinary or revoked key with 401 and sets no cookie', async () => {
    const revokedToken = await harness.issueKey({ name: 'dash-soon-revoked', role: 'admin' });
    await harness.gateway.services.store.revokeKey('dash-soon-revoked');
    await harness.gateway.services.keyView.reload();
    for (const key of ['sk-sluice-wrong', 'not a key', harness.token, revokedToken]) {
      const answer = await login(key);
      expect(answer.status).toBe(401);
      expect(answer.headers.get('set-cookie')).toBeNull();
      expect(((await answer.json()) as { error: { message: string } }).error.message).toContain('admin or analytics key');
    }
    expect((await fetch(`${harness.url}/dashboard/login`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: `key=${adminToken}` })).status).toBe(415);
  });

  it("lets the cookie stand for its key on operator endpoints, with the key's role", async () => {
    const analytics = await sessionFor(analyticsToken);
    expect(await (await withCookie('/dashboard/session', analytics)).json()).toMatchObject({ role: 'analytics' });
    expect((await withCookie('/admin/keys', analytics)).status).toBe(403);
    const admin = await sessionFor(adminToken);
    expect((await withCookie('/admin/keys', admin)).status).toBe(200);
    // A credential header wins over the cookie: an ordinary key's header with an admin's cookie is the ordinary key.
    expect((await withCookie('/admin/keys', admin, { headers: { authorization: `Bearer ${harness.token}` } })).status).toBe(403);
    expect((await withCookie('/admin/keys', 'A'.repeat(43))).status).toBe(401);
  });

  it('needs x-sluice-csrf: 1 on changes made with the cookie', async () => {
    const admin = await sessionFor(adminToken);
    const issue = (headers: Record<string, string>) =>
      withCookie('/admin/keys', admin, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ name: `csrf-${Object.keys(headers).length}` }) });
    const refused = await issue({});
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('csrf_header_missing');
    expect((await issue({ 'x-sluice-csrf': '1' })).status).toBe(201);
    // A key in a header needs no such header: it cannot be sent by a browser on its own.
    const byHeader = await fetch(`${harness.url}/admin/keys`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'csrf-by-header' }),
    });
    expect(byHeader.status).toBe(201);
  });

  it('counts the cookie only on requests from the dashboard\'s own origin', async () => {
    const admin = await sessionFor(adminToken);
    const host = new URL(harness.url).host;
    const status = async (headers: Record<string, string>) => (await withCookie('/analytics/cost', admin, { headers })).status;
    expect(await status({ 'sec-fetch-site': 'same-origin' })).toBe(200);
    expect(await status({ origin: `http://${host}` })).toBe(200);
    // Another port of the same host is the same site, so SameSite=Strict alone would let the cookie through.
    expect(await status({ 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:3000' })).toBe(401);
    expect(await status({ origin: 'http://127.0.0.1:3000' })).toBe(401);
    expect(await status({ 'sec-fetch-site': 'cross-site' })).toBe(401);
    const crossOriginLogin = await fetch(`${harness.url}/dashboard/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-site' },
      body: JSON.stringify({ key: adminToken }),
    });
    expect(crossOriginLogin.status).toBe(403);
    expect(crossOriginLogin.headers.get('set-cookie')).toBeNull();
  });

  it('ends when the key is revoked, when it expires, and on logout', async () => {
    const doomedToken = await harness.issueKey({ name: 'dash-doomed', role: 'analytics' });
    const doomed = await sessionFor(doomedToken);
    expect((await withCookie('/dashboard/session', doomed)).status).toBe(200);
    await harness.gateway.services.store.revokeKey('dash-doomed');
    await harness.gateway.services.keyView.reload();
    expect((await withCookie('/dashboard/session', doomed)).status).toBe(401);

    const expiring = await sessionFor(analyticsToken);
    clock.advance(2 * 3_600_000 + 1);
    const expired = await withCookie('/dashboard/session', expiring);
    expect(expired.status).toBe(401);
    expect(((await expired.json()) as { error: { code: string } }).error.code).toBe('invalid_session');

    const session = await sessionFor(analyticsToken);
    const logout = await withCookie('/dashboard/logout', session, { method: 'POST' });
    expect(logout.status).toBe(200);
    expect(logout.headers.get('set-cookie')).toMatch(/^sluice_session=; .*Max-Age=0/);
    expect((await withCookie('/dashboard/session', session)).status).toBe(401);
  });

  it('serves the dashboard with a strict Content-Security-Policy, and /dashboard redirects to /dashboard/', async () => {
    const redirect = await fetch(`${harness.url}/dashboard`, { redirect: 'manual' });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toBe('/dashboard/');
    const page = await fetch(`${harness.url}/dashboard/`);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toContain('text/html');
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
    expect(await page.text()).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
  });
});
