import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;
const clock = new ManualClock();
let client: OpenAI;
const cacheOn = { headers: { 'x-sluice-cache': 'true' } };

beforeAll(async () => {
  harness = await startTestGateway({}, { clock: clock.now });
  client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const question = (content: string, extra: Partial<OpenAI.ChatCompletionCreateParamsNonStreaming> = {}) => ({
  model: 'gpt-4o-mini',
  messages: [{ role: 'user' as const, content }],
  ...extra,
});

describe('response cache', () => {
  it('misses, then hits with zero tokens and cost and the saving recorded', async () => {
    const first = await client.chat.completions.create(question('cache me'), cacheOn).withResponse();
    const second = await client.chat.completions.create(question('cache me', { user: 'someone-else' }), cacheOn).withResponse();
    expect(first.response.headers.get('x-sluice-cache')).toBe('MISS');
    expect(second.response.headers.get('x-sluice-cache')).toBe('HIT');
    expect(second.data.choices[0]?.message.content).toBe(first.data.choices[0]?.message.content);
    expect(harness.upstream.requests).toHaveLength(1);
    const [miss, hit] = (await harness.usageRows()).slice(-2);
    expect(miss).toMatchObject({ cached: false });
    expect(hit).toMatchObject({ cached: true, inputTokens: 0, outputTokens: 0, costUsd: 0, statusCode: 200 });
    expect(hit!.savedCostUsd).toBe(miss!.costUsd);
    expect(hit!.savedCostUsd).toBeGreaterThan(0);
  });

  it('is off without the header, and refresh always calls and overwrites', async () => {
    await client.chat.completions.create(question('refresh me'), cacheOn);
    const plain = await client.chat.completions.create(question('refresh me')).withResponse();
    expect(plain.response.headers.get('x-sluice-cache')).toBeNull();
    harness.upstream.enqueue({ reply: 'a newer answer' });
    const refreshed = await client.chat.completions.create(question('refresh me'), { headers: { 'x-sluice-cache': 'refresh' } }).withResponse();
    expect(refreshed.response.headers.get('x-sluice-cache')).toBe('MISS');
    const hit = await client.chat.completions.create(question('refresh me'), cacheOn);
    expect(hit.choices[0]?.message.content).toBe('a newer answer');
    expect(harness.upstream.requests).toHaveLength(3);
  });

  it('expires after Cache-Control max-age', async () => {
    const shortLived = { headers: { 'x-sluice-cache': 'true', 'cache-control': 'max-age=1' } };
    await client.chat.completions.create(question('short lived'), shortLived);
    await client.chat.completions.create(question('short lived'), shortLived);
    expect(harness.upstream.requests).toHaveLength(1);
    clock.advance(999);
    const before = await client.chat.completions.create(question('short lived'), shortLived).withResponse();
    expect(before.response.headers.get('x-sluice-cache')).toBe('HIT');
    clock.advance(1);
    const after = await client.chat.completions.create(question('short lived'), shortLived).withResponse();
    expect(after.response.headers.get('x-sluice-cache')).toBe('MISS');
    expect(harness.upstream.requests).toHaveLength(2);
  });

  it('serves a stored whole answer as a stream and a stored stream whole', async () => {
    const whole = await client.chat.completions.create(question('both ways'), cacheOn);
    const stream = await client.chat.completions.create({ ...question('both ways'), stream: true }, cacheOn);
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text).toBe(whole.choices[0]?.message.content);

    const anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0, defaultHeaders: { 'x-sluice-cache': 'true' } });
    const streamed = await anthropic.messages.stream({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'stream first' }] }).finalMessage();
    const replayed = await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: [{ role: 'user', content: 'stream first' }] }).withResponse();
    expect(replayed.response.headers.get('x-sluice-cache')).toBe('HIT');
    expect(replayed.data.content).toEqual(streamed.content);
    expect(harness.upstream.requests).toHaveLength(2);
  });

  it('never lets one team read another team\'s answers', async () => {
    const otherTeam = new OpenAI({ apiKey: await harness.issueKey({ name: 'other-team', teamName: 'elsewhere' }), baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const sameTeam = new OpenAI({ apiKey: await harness.issueKey({ name: 'same-team', teamName: 'research' }), baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await client.chat.completions.create(question('team secret'), cacheOn);
    const outsider = await otherTeam.chat.completions.create(question('team secret'), cacheOn).withResponse();
    const colleague = await sameTeam.chat.completions.create(question('team secret'), cacheOn).withResponse();
    expect(outsider.response.headers.get('x-sluice-cache')).toBe('MISS');
    expect(colleague.response.headers.get('x-sluice-cache')).toBe('HIT');
  });

  it('never caches errors or incomplete streams', async () => {
    // Twice: a plain model is retried once on a 5xx.
    harness.upstream.enqueue({ status: 500 });
    harness.upstream.enqueue({ status: 500 });
    await expect(client.chat.completions.create(question('flaky'), cacheOn)).rejects.toMatchObject({ status: 500 });
    const retried = await client.chat.completions.create(question('flaky'), cacheOn).withResponse();
    expect(retried.response.headers.get('x-sluice-cache')).toBe('MISS');

    harness.upstream.enqueue({ dropAfterEvents: 3 });
    const broken = await client.chat.completions.create({ ...question('cut short'), stream: true }, cacheOn);
    await expect(
      (async () => {
        for await (const _chunk of broken) {
          // drain
        }
      })(),
    ).rejects.toThrow();
    const again = await client.chat.completions.create(question('cut short'), cacheOn).withResponse();
    expect(again.response.headers.get('x-sluice-cache')).toBe('MISS');
  });
});
