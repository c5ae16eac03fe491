import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * The clocks of an upstream call against the fake upstream's `delayMs` (before the headers, so a whole
 * answer's whole wait) and `chunkDelayMs` (between stream events). The clocks are small; a wait that must
 * run out the first-byte or idle clock is longer than it by more than a second, since undici checks those on
 * its coarse timers (about every half second); the total clock is a timer of the attempt's own, and exact.
 * Every answer that must get through is given several times its wait.
 *
 * Providers point at an upstream of this file's own, so they can carry `timeouts`:
 * - `upstream.timeoutMs: 250`, the older name of a stream's first-byte clock, for every provider;
 * - anthropic: `firstByteMs: 10_000` of its own (a provider's clocks win over `upstream`'s);
 * - mistral: `totalMs: 250`, which a group target lifts again (a target's clocks win over its provider's).
 */
let upstream: FakeUpstream;
let harness: TestGateway;
let adminToken: string;

beforeAll(async () => {
  upstream = await startFakeUpstream({ host: '127.0.0.1', port: 0 });
  harness = await startTestGateway({
    upstream: { timeoutMs: 250 },
    providers: {
      openai: { baseUrl: `${upstream.url}/v1`, apiKey: 'openai-key' },
      anthropic: { baseUrl: `${upstream.url}/v1`, apiKey: 'anthropic-key', timeouts: { firstByteMs: 10_000 } },
      mistral: { baseUrl: `${upstream.url}/v1`, apiKey: 'mistral-key', timeouts: { totalMs: 250 } },
    },
    groups: {
      // Default retry: two tries a target, but a timeout is not retried.
      hasty: { policy: 'failover', targets: [{ model: 'openai:hasty-a' }, { model: 'anthropic:hasty-b' }] },
      patient: { policy: 'failover', targets: [{ model: 'openai:patient-a' }, { model: 'anthropic:patient-b' }], retry: { timeouts: true } },
      solo: { policy: 'failover', targets: [{ model: 'anthropic:solo', timeouts: { idleMs: 150 } }], retry: { attempts: 1 } },
      bounded: { policy: 'failover', targets: [{ model: 'anthropic:bounded', timeouts: { totalMs: 400 } }], retry: { attempts: 1 } },
      lifted: { policy: 'failover', targets: [{ model: 'mistral:lifted', timeouts: { totalMs: 5_000 } }] },
    },
  });
  adminToken = await harness.issueKey({ name: 'admin', role: 'admin' });
});
afterAll(async () => {
  await harness.close();
  await upstream.close();
});
beforeEach(() => upstream.reset());

const hello = [{ role: 'user', content: 'Say hello' }];

function chat(body: Record<string, unknown>, token = harness.token): Promise<Response> {
  return fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ messages: hello, ...body }),
  });
}

function messages(body: Record<string, unknown>, token = harness.token): Promise<Response> {
  return fetch(`${harness.url}/v1/messages`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-api-key': token },
    body: JSON.stringify({ max_tokens: 64, messages: hello, ...body }),
  });
}

async function lastRow() {
  return (await harness.usageRows()).at(-1)!;
}

describe('a whole answer', () => {
  it('is not bound by the first-byte clock of streams: a slow one is waited for', async () => {
    upstream.enqueue({ delayMs: 800 });
    const response = await chat({ model: 'openai:gpt-4o-mini' });
    expect(response.status).toBe(200);
    expect(((await response.json()) as { choices: unknown[] }).choices).toHaveLength(1);
    expect(upstream.requests).toHaveLength(1);
  });

  it("runs on its provider's total clock, and the 504 names it", async () => {
    upstream.enqueue({ delayMs: 800 });
    const response = await chat({ model: 'mistral:mistral-small' });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({
      error: { code: 'upstream_timeout', message: "The upstream provider 'mistral' did not finish within 250 ms (timeouts.totalMs)." },
    });
    expect(await lastRow()).toMatchObject({ statusCode: 504, errorCode: 'upstream_timeout.total', attempts: 1 });
    // Not retried: a second wait for the same slow answer is what the caller must not get.
    expect(upstream.requests).toHaveLength(1);
  });

  it("runs on a group target's clock over its provider's", async () => {
    upstream.enqueue({ delayMs: 800 });
    const response = await chat({ model: 'lifted' });
    expect(response.status).toBe(200);
    expect(response.headers.get('x-sluice-route')).toBe('mistral:lifted=200');
  });
});

describe('a stream', () => {
  it('without a first byte by upstream.timeoutMs (the older name of firstByteMs) gets a 504 naming the clock', async () => {
    upstream.enqueue({ delayMs: 1_500 });
    const response = await chat({ model: 'openai:gpt-4o-mini', stream: true });
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({
      error: { code: 'upstream_timeout', message: "The upstream provider 'openai' sent no first byte within 250 ms (timeouts.firstByteMs)." },
    });
    expect(await lastRow()).toMatchObject({ statusCode: 504, errorCode: 'upstream_timeout.first_byte', attempts: 1 });
    expect(upstream.requests).toHaveLength(1);
  });

  it('without a first byte fails over to the next target, without retrying the same one', async () => {
    upstream.enqueue({ delayMs: 1_500 });
    const response = await chat({ model: 'hasty', stream: true });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('[DONE]');
    expect(response.headers.get('x-sluice-route')).toBe('openai:hasty-a=upstream_timeout.first_byte;anthropic:hasty-b=200');
    expect(upstream.requests.map((request) => request.path)).toEqual(['/v1/chat/completions', '/v1/messages']);
    const row = await lastRow();
    expect(row.attemptTrail.map((attempt) => attempt.errorCode)).toEqual(['upstream_timeout.first_byte', null]);
  });

  it('is retried on the same target after a timeout when the group says retry.timeouts', async () => {
    upstream.enqueue({ delayMs: 1_500 });
    const response = await chat({ model: 'patient', stream: true });
    expect(response.status).toBe(200);
    await response.text();
    expect(response.headers.get('x-sluice-route')).toBe('openai:patient-a=upstream_timeout.first_byte;openai:patient-a=200');
  });

  it('that goes idle after it started ends in-band with the caller’s stream error event', async () => {
    upstream.enqueue({ chunkDelayMs: 1_500 });
    const response = await messages({ model: 'solo', stream: true });
    // The only try of the only target is answered as it comes: the headers are out before the silence.
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('event: message_start');
    expect(text).toMatch(/event: error\ndata: .*"type":"timeout_error".*stream was idle for 150 ms \(timeouts\.idleMs\)/);
    expect(await lastRow()).toMatchObject({ statusCode: 504, outcome: 'error', errorCode: 'upstream_timeout.idle' });
  });

  it('that outlasts its total clock while bytes still flow ends in-band too', async () => {
    // Fifteen events 150 ms apart: bytes never stop for long, the whole takes two seconds.
    upstream.enqueue({ chunkDelayMs: 150 });
    const response = await messages({ model: 'bounded', stream: true });
    expect(response.status).toBe(200);
    const text = await response.text();
    expect(text).toContain('event: content_block_start');
    expect(text).not.toContain('event: message_stop');
    expect(text).toMatch(/event: error\ndata: .*did not finish within 400 ms \(timeouts\.totalMs\)/);
    expect(await lastRow()).toMatchObject({ statusCode: 504, outcome: 'error', errorCode: 'upstream_timeout.total' });
  });
});

describe('a ceiling on the clocks', () => {
  it("set on a key through the admin API lowers the target's clock", async () => {
    const created = await fetch(`${harness.url}/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name: 'impatient', limits: { timeouts: { totalMs: 200 } } }),
    });
    expect(created.status).toBe(201);
    const { token, key } = (await created.json()) as { token: string; key: { limits: unknown } };
    expect(key.limits).toEqual({ timeouts: { totalMs: 200 } });

    upstream.enqueue({ delayMs: 800 });
    const lowered = await messages({ model: 'anthropic:claude-haiku-4-5' }, token);
    expect(lowered.status).toBe(504);
    expect(await lowered.json()).toMatchObject({ error: { message: "The upstream provider 'anthropic' did not finish within 200 ms (timeouts.totalMs)." } });
    expect(await lastRow()).toMatchObject({ errorCode: 'upstream_timeout.total' });

    // The same wait on a key without a ceiling: the ten minutes of a whole answer.
    upstream.enqueue({ delayMs: 800 });
    expect((await messages({ model: 'anthropic:claude-haiku-4-5' })).status).toBe(200);
  });

  it("set on a team lowers a stream's first-byte clock below its provider's", async () => {
    const saved = await fetch(`${harness.url}/admin/teams/hurried`, {
      method: 'PUT',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ limits: { timeouts: { firstByteMs: 200, idleMs: 0 } } }),
    });
    expect(saved.status).toBe(200);
    const token = await harness.issueKey({ name: 'in-a-hurry', teamName: 'hurried' });
    upstream.enqueue({ delayMs: 1_500 });
    const response = await messages({ model: 'anthropic:claude-haiku-4-5', stream: true }, token);
    expect(response.status).toBe(504);
    expect(await response.json()).toMatchObject({ error: { message: "The upstream provider 'anthropic' sent no first byte within 200 ms (timeouts.firstByteMs)." } });
  });

  it('is refused by the admin API with an unknown clock', async () => {
    const refused = await fetch(`${harness.url}/admin/keys`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
      body: JSON.stringify({ name: 'typo', limits: { timeouts: { headersMs: 200 } } }),
    });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toContain('headersMs');
  });
});
