import Fastify from 'fastify';
import { describe, expect, it } from 'vitest';
import '../../src/server/fastify-augmentation.js';
import { installApiVersioning } from '../../src/server/api-version/api-version-hook.js';
import { ApiVersionRegistry, sluiceApiVersions } from '../../src/server/api-version/api-versions.js';
import { hijackReply } from '../../src/server/hijack-reply.js';

/** A registry as a future release would ship it: a new current version, the old one deprecated. */
const twoVersions = () =>
  new ApiVersionRegistry(
    [
      { name: '2027-03-01' },
      { name: '2026-11-22', deprecation: { sunset: '2027-09-01', deprecatedOn: '2027-03-01', changelog: 'https://example.com/changelog#2027-03-01' } },
    ],
    '2027-03-01',
  );

async function appWith(registry: ApiVersionRegistry) {
  const app = Fastify();
  installApiVersioning(app, registry);
  // A v2-aware handler reads the version the caller pinned.
  app.get('/admin/echo', async (request) => ({ version: request.sluiceApiVersion }));
  // Hijacked routes write to the raw response, as /v1/usage and /admin/* do.
  app.get('/v1/usage', async (request, reply) => {
    const response = hijackReply(reply);
    response.writeHead(200, { 'content-type': 'application/json' });
    response.end(JSON.stringify({ version: request.sluiceApiVersion }));
  });
  app.post('/:provider/v1/chat/completions', { config: { proxyRoute: true } }, async (request) => ({ version: request.sluiceApiVersion ?? null }));
  app.get('/v1/models', async (request) => ({ version: request.sluiceApiVersion ?? null }));
  await app.ready();
  return app;
}

describe('ApiVersionRegistry', () => {
  it('renders the deprecation headers once, in RFC 9745 / 8594 shapes', () => {
    const registry = twoVersions();
    expect(registry.names).toEqual(['2027-03-01', '2026-11-22']);
    expect(registry.current.headers).toEqual([['sluice-api-version', '2027-03-01']]);
    expect(registry.find('2026-11-22')?.headers).toEqual([
      ['sluice-api-version', '2026-11-22'],
      ['deprecation', `@${Date.parse('2027-03-01') / 1000}`],
      ['sunset', 'Wed, 01 Sep 2027 00:00:00 GMT'],
      ['link', '<https://example.com/changelog#2027-03-01>; rel="deprecation"; type="text/html"'],
    ]);
    const undated = new ApiVersionRegistry([{ name: 'b' }, { name: 'a', deprecation: { sunset: '2030-01-01' } }], 'b');
    expect(undated.find('a')?.headers).toContainEqual(['deprecation', 'true']);
  });

  it('refuses a list it cannot serve', () => {
    expect(() => new ApiVersionRegistry([{ name: 'a' }], 'b')).toThrow(/not in the list/);
    expect(() => new ApiVersionRegistry([{ name: 'a' }, { name: 'a' }], 'a')).toThrow(/twice/);
    expect(() => new ApiVersionRegistry([{ name: 'a', deprecation: { sunset: '2030-01-01' } }], 'a')).toThrow(/cannot be deprecated/);
    expect(() => new ApiVersionRegistry([{ name: 'b' }, { name: 'a', deprecation: { sunset: 'soon' } }], 'b')).toThrow(/not a date/);
  });

  it('looks names up without reaching Object.prototype', () => {
    expect(sluiceApiVersions.find('constructor')).toBeUndefined();
    expect(sluiceApiVersions.find('__proto__')).toBeUndefined();
    expect(sluiceApiVersions.find(sluiceApiVersions.current.name)).toBe(sluiceApiVersions.current);
  });
});

describe('installApiVersioning', () => {
  it('gives handlers the pinned version, else the current one, on plain and hijacked routes', async () => {
    const app = await appWith(twoVersions());
    const unpinned = await app.inject({ url: '/admin/echo' });
    expect(unpinned.json()).toEqual({ version: '2027-03-01' });
    expect(unpinned.headers['sluice-api-version']).toBe('2027-03-01');
    expect(unpinned.headers.deprecation).toBeUndefined();

    const pinned = await app.inject({ url: '/v1/usage', headers: { 'sluice-api-version': '2026-11-22' } });
    expect(pinned.statusCode).toBe(200);
    expect(pinned.json()).toEqual({ version: '2026-11-22' });
    expect(pinned.headers['sluice-api-version']).toBe('2026-11-22');
    expect(pinned.headers.deprecation).toMatch(/^@\d+$/);
    expect(pinned.headers.sunset).toBe('Wed, 01 Sep 2027 00:00:00 GMT');
    await app.close();
  });

  it('leaves provider-shape routes alone, even a pinned provider named like a Sluice path', async () => {
    const app = await appWith(twoVersions());
    const call = await app.inject({ method: 'POST', url: '/admin/v1/chat/completions', headers: { 'sluice-api-version': 'nonsense' }, payload: {} });
    expect(call.statusCode).toBe(200);
    expect(call.json()).toEqual({ version: null });
    expect(call.headers['sluice-api-version']).toBeUndefined();
    const models = await app.inject({ url: '/v1/models', headers: { 'sluice-api-version': 'nonsense' } });
    expect(models.statusCode).toBe(200);
    expect(models.headers['sluice-api-version']).toBeUndefined();
    await app.close();
  });
});
