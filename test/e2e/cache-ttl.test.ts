import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import type { ResponseCache } from '../../src/cache/response-cache.js';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * The response cache's lifetimes: 7 days without `Cache-Control: max-age`, and never more than 365 days
 * whatever max-age says. Time is a `ManualClock`; nothing here waits.
 */
const day = 86_400_000;
const clock = new ManualClock();
let harness: TestGateway;
let client: OpenAI;
let storedTtls: number[];

beforeAll(async () => {
  harness = await startTestGateway({}, { clock: clock.now });
  client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  // Records the TTL each entry is stored with, and still stores it.
  const cache: ResponseCache = harness.gateway.services.responseCache;
  const set = cache.set.bind(cache);
  storedTtls = [];
  vi.spyOn(cache, 'set').mockImplementation(async (key, answer, ttlMs) => {
    storedTtls.push(ttlMs);
    await set(key, answer, ttlMs);
  });
});
afterAll(() => harness.close());
afterEach(() => harness.upstream.reset());

/** Asks `content` with the cache on (and `cacheControl`, if any); the answer's `x-sluice-cache`. */
async function ask(content: string, cacheControl?: string): Promise<string | null> {
  const headers: Record<string, string> = { 'x-sluice-cache': 'true' };
  if (cacheControl !== undefined) headers['cache-control'] = cacheControl;
  const answer = await client.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content }] }, { headers }).withResponse();
  return answer.response.headers.get('x-sluice-cache');
}

/** The TTL of the one entry the last call stored. */
async function storedTtl(): Promise<number> {
  await vi.waitFor(() => expect(storedTtls).toHaveLength(1), { timeout: 2_000 });
  return storedTtls.pop()!;
}

describe('response cache lifetimes', () => {
  it('without max-age an entry lives 7 days', async () => {
    expect(await ask('default lifetime')).toBe('MISS');
    expect(await storedTtl()).toBe(7 * day);
    clock.advance(7 * day - 1);
    expect(await ask('default lifetime')).toBe('HIT');
    clock.advance(1);
    expect(await ask('default lifetime')).toBe('MISS');
    expect(harness.upstream.requests).toHaveLength(2);
    await storedTtl();
  });

  it('max-age beyond a year is held to 365 days', async () => {
    const tenYears = `max-age=${10 * 365 * 86_400}`;
    expect(await ask('capped lifetime', tenYears)).toBe('MISS');
    expect(await storedTtl()).toBe(365 * day);
    clock.advance(365 * day - 1);
    expect(await ask('capped lifetime', tenYears)).toBe('HIT');
    clock.advance(1);
    expect(await ask('capped lifetime', tenYears)).toBe('MISS');
    expect(harness.upstream.requests).toHaveLength(2);
    await storedTtl();
  });

  it('max-age within the bounds is kept as sent, among other directives', async () => {
    expect(await ask('three days', 'public, max-age=259200')).toBe('MISS');
    expect(await storedTtl()).toBe(3 * day);
    // Larger than any number JavaScript holds exactly: still the cap, not a wrap-around or NaN.
    expect(await ask('huge', `max-age=${'9'.repeat(30)}`)).toBe('MISS');
    expect(await storedTtl()).toBe(365 * day);
  });
});
