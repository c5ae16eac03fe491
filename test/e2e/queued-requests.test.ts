import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Traffic shaping through the gateway (issue 9, section 7): on a key with one slot and `queueMs`, a second
 * call waits for the first to finish instead of a 429, and its row says how long it waited.
 */
let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway();
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const messages = [{ role: 'user' as const, content: 'hi' }];
const client = (token: string) => new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });

/** Issues a key and returns its token and the concurrency counter its queue is kept under. */
async function keyWithQueue(name: string, limits: { concurrentRequests: number; queueMs: number }) {
  const token = await harness.issueKey({ name, limits });
  const key = (await harness.gateway.services.store.listKeys()).find((candidate) => candidate.name === name)!;
  return { token, counter: `concurrency:key:${key.id}` };
}
const waiting = (counter: string) => harness.gateway.services.slotQueue.waiting(counter);

describe('a request over its concurrency cap waits for a slot', () => {
  it('two concurrent slow calls on a one-slot key: the second waits, then succeeds, and its row records the wait', async () => {
    const { token, counter } = await keyWithQueue('queued', { concurrentRequests: 1, queueMs: 20_000 });
    const openai = client(token);
    harness.upstream.enqueue({ delayMs: 1_500 });
    const first = openai.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-sluice-tags': 'first' } });
    await harness.upstream.waitForRequests(1);
    const second = openai.chat.completions.create({ model: 'gpt-4o-mini', messages }, { headers: { 'x-sluice-tags': 'second' } });
    await expect.poll(() => waiting(counter)).toBe(1);
    // Nothing reached the upstream for the second while the first held the slot.
    expect(harness.upstream.requests).toHaveLength(1);
    const [firstAnswer, secondAnswer] = await Promise.all([first, second]);
    expect(firstAnswer.choices[0]?.message.content).toBeTruthy();
    expect(secondAnswer.choices[0]?.message.content).toBeTruthy();
    expect(harness.upstream.requests).toHaveLength(2);
    expect(waiting(counter)).toBe(0);

    const rows = await harness.usageRows();
    const rowTagged = (tag: string) => rows.find((row) => row.tags.includes(tag))!;
    expect(rowTagged('first')).toMatchObject({ statusCode: 200, queueWaitMs: null });
    expect(rowTagged('second')).toMatchObject({ statusCode: 200 });
    expect(rowTagged('second').queueWaitMs).toBeGreaterThan(0);
  });

  it('gives up after queueMs with a 429 in the caller shape, a retry hint, and the wait in its row', async () => {
    const { token, counter } = await keyWithQueue('queue-timeout', { concurrentRequests: 1, queueMs: 200 });
    const openai = client(token);
    harness.upstream.enqueue({ delayMs: 1_000 });
    const first = openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await harness.upstream.waitForRequests(1);
    const refusal = (await openai.chat.completions.create({ model: 'gpt-4o-mini', messages }).catch((error: unknown) => error)) as InstanceType<typeof OpenAI.APIError>;
    expect(refusal).toBeInstanceOf(OpenAI.RateLimitError);
    expect(refusal.headers?.get('retry-after')).toBe('1');
    expect(refusal.message).toContain('no slot came free within 200 ms');
    expect(waiting(counter)).toBe(0);
    await first;
    const refusedRow = (await harness.usageRows()).find((row) => row.statusCode === 429)!;
    expect(refusedRow).toMatchObject({ errorCode: 'concurrency_limited.key', attempts: 0 });
    expect(refusedRow.queueWaitMs).toBeGreaterThanOrEqual(200);
  });

  it('a caller that hangs up while queued leaves the queue at once, and never reaches the upstream', async () => {
    const { token, counter } = await keyWithQueue('queue-abort', { concurrentRequests: 1, queueMs: 20_000 });
    const openai = client(token);
    harness.upstream.enqueue({ delayMs: 1_500 });
    const first = openai.chat.completions.create({ model: 'gpt-4o-mini', messages });
    await harness.upstream.waitForRequests(1);
    const controller = new AbortController();
    const second = openai.chat.completions.create({ model: 'gpt-4o-mini', messages }, { signal: controller.signal, headers: { 'x-sluice-tags': 'hung-up' } });
    await expect.poll(() => waiting(counter)).toBe(1);
    controller.abort();
    await expect(second).rejects.toThrow();
    await expect.poll(() => waiting(counter)).toBe(0);
    await first;
    expect(harness.upstream.requests).toHaveLength(1);
    const rows = await eventually(() => harness.usageRows(), (candidates) => candidates.some((candidate) => candidate.tags.includes('hung-up')));
    const hungUp = rows.find((candidate) => candidate.tags.includes('hung-up'))!;
    expect(hungUp).toMatchObject({ statusCode: 499, outcome: 'cancelled', attempts: 0 });
    expect(hungUp.queueWaitMs).toBeGreaterThan(0);
  });
});

describe('set through the admin API', () => {
  it('accepts limits.queueMs up to ten minutes, and refuses more', async () => {
    const adminToken = await harness.issueKey({ name: 'queue-admin', role: 'admin' });
    const patch = (limits: unknown) =>
      fetch(`${harness.url}/admin/keys/queued`, {
        method: 'PATCH',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${adminToken}` },
        body: JSON.stringify({ limits }),
      });
    const accepted = await patch({ concurrentRequests: 2, queueMs: 5_000 });
    expect(await accepted.json()).toMatchObject({ limits: { concurrentRequests: 2, queueMs: 5_000 } });
    const refused = await patch({ concurrentRequests: 2, queueMs: 600_001 });
    expect(refused.status).toBe(400);
    expect(((await refused.json()) as { error: { param: string } }).error.param).toBe('limits.queueMs');
  });
});
