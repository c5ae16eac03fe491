import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualRetryPause } from '../helpers/manual-retry-pause.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** Retries, cooldowns, eligibility and the attempt loop's edges, through the gateway with the official SDKs. */
let harness: TestGateway;
let openai: OpenAI;
/** Retry waits end when the test says (at once unless held): no test sleeps through a retry-after. */
let retryPause: ManualRetryPause;

const oneTryEach = { attempts: 1, maxRetryAfterMs: 5_000 };

beforeAll(async () => {
  retryPause = new ManualRetryPause();
  harness = await startTestGateway({
    groups: {
      cooled: { policy: 'failover', targets: [{ model: 'openai:cooled-a' }, { model: 'anthropic:cooled-b' }], retry: oneTryEach },
      wrong: { policy: 'failover', targets: [{ model: 'openai:wrong-a' }, { model: 'anthropic:wrong-b' }], retry: oneTryEach },
      tooled: {
        policy: 'failover',
        targets: [{ model: 'openai:no-tools', tools: false }, { model: 'anthropic:with-tools' }],
        retry: oneTryEach,
      },
      blind: {
        policy: 'failover',
        targets: [
          { model: 'openai:blind-a', images: false },
          { model: 'anthropic:blind-b', images: false, maxOutputTokens: 1000 },
        ],
      },
      patient: { policy: 'failover', targets: [{ model: 'openai:patient-a' }, { model: 'anthropic:patient-b' }], retry: { attempts: 2, maxRetryAfterMs: 5_000 } },
    },
    aliases: { haiku: 'anthropic:claude-haiku-4-5', mini: 'openai:gpt-4o-mini', speedy: 'cooled' },
  }, { retryPause: retryPause.pause });
  openai = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
});
afterAll(() => harness.close());
beforeEach(() => {
  harness.upstream.reset();
  retryPause.release();
  retryPause.asked.length = 0;
});

const hello = [{ role: 'user' as const, content: 'hello' }];

describe('retries', () => {
  it('a plain model answering 429 with retry-after: 1 is retried after that second, and the caller gets the answer', async () => {
    harness.upstream.enqueue({ status: 429, retryAfter: 1 });
    retryPause.hold();
    const pending = openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }).withResponse();
    // The gateway waits the second the upstream asked for, and calls again only once it is over.
    await expect.poll(() => retryPause.asked).toEqual([1000]);
    expect(harness.upstream.requests).toHaveLength(1);
    retryPause.release();
    const { data, response } = await pending;
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-sluice-attempts')).toBe('2');
    expect(response.headers.get('x-sluice-route')).toBe('openai:gpt-4o-mini=429;openai:gpt-4o-mini=200');
    expect(harness.upstream.requests).toHaveLength(2);
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({ attempts: 2, fallback: false, outcome: 'ok' });
    expect(row.attemptTrail[0]).toMatchObject({ statusCode: 429, retryAfterMs: 1000 });
  });

  it('a group retries the same target before failing over', async () => {
    harness.upstream.enqueue({ status: 503 });
    const { response } = await openai.chat.completions.create({ model: 'patient', messages: hello }).withResponse();
    expect(response.headers.get('x-sluice-route')).toBe('openai:patient-a=503;openai:patient-a=200');
  });

  it('a 400 from the upstream is the request\'s fault: no retry, no fallback', async () => {
    harness.upstream.enqueue({ status: 400, errorMessage: 'bad field' });
    await expect(openai.chat.completions.create({ model: 'wrong', messages: hello })).rejects.toMatchObject({ status: 400 });
    expect(harness.upstream.requests).toHaveLength(1);
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({ attempts: 1, statusCode: 400, groupName: 'wrong' });
  });

  it('a caller that leaves during a retry wait stops the attempt loop at once', async () => {
    harness.upstream.enqueue({ status: 429, retryAfter: 3 });
    retryPause.hold();
    const controller = new AbortController();
    const pending = openai.chat.completions.create({ model: 'gpt-4o-mini', messages: hello }, { signal: controller.signal });
    await expect.poll(() => retryPause.asked).toEqual([3000]);
    controller.abort();
    await expect(pending).rejects.toThrow();
    await expect.poll(async () => (await harness.usageRows()).at(-1)?.outcome).toBe('cancelled');
    expect(harness.upstream.requests).toHaveLength(1);
  });
});

describe('cooldowns', () => {
  it('a target that answered 429 with a long retry-after is skipped by the next calls until its deadline', async () => {
    harness.upstream.enqueue({ status: 429, retryAfter: 60 });
    const first = await openai.chat.completions.create({ model: 'speedy', messages: hello }).withResponse();
    expect(first.response.headers.get('x-sluice-route')).toBe('openai:cooled-a=429;anthropic:cooled-b=200');
    const second = await openai.chat.completions.create({ model: 'speedy', messages: hello }).withResponse();
    // Straight to the second target: the first is cooling.
    expect(second.response.headers.get('x-sluice-route')).toBe('anthropic:cooled-b=200');
    expect(second.response.headers.get('x-sluice-group')).toBe('cooled');
  });
});

describe('eligibility', () => {
  it('a request with tools goes to the target that takes tools', async () => {
    const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: {} } } }];
    const { response } = await openai.chat.completions.create({ model: 'tooled', messages: hello, tools }).withResponse();
    expect(response.headers.get('x-sluice-route')).toBe('anthropic:with-tools=200');
    const plain = await openai.chat.completions.create({ model: 'tooled', messages: hello }).withResponse();
    expect(plain.response.headers.get('x-sluice-route')).toBe('openai:no-tools=200');
  });

  it('nothing eligible: 400 no_eligible_target naming each target and why, before any upstream call', async () => {
    const anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
    const image = { type: 'image' as const, source: { type: 'base64' as const, media_type: 'image/png' as const, data: 'iVBORw0KGgo=' } };
    const refused = await anthropic.messages
      .create({ model: 'blind', max_tokens: 64, messages: [{ role: 'user', content: [image, { type: 'text', text: 'what is it?' }] }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(Anthropic.BadRequestError);
    const message = (refused as InstanceType<typeof Anthropic.BadRequestError>).message;
    expect(message).toContain('openai:blind-a');
    expect(message).toContain('anthropic:blind-b');
    const overCap = await openai.chat.completions.create({ model: 'blind', messages: hello, max_tokens: 5000 }).withResponse();
    // Only the target without a cap can take 5000 output tokens.
    expect(overCap.response.headers.get('x-sluice-route')).toBe('openai:blind-a=200');
    expect(harness.upstream.requests).toHaveLength(1);
    const row = (await harness.usageRows()).at(-2)!;
    expect(row).toMatchObject({ statusCode: 400, errorCode: 'no_eligible_target', attempts: 0 });
  });
});

describe('/v1/models', () => {
  it('lists groups and the aliases that point at them', async () => {
    const ids = (await openai.models.list()).data.map((model) => model.id);
    expect(ids).toEqual(expect.arrayContaining(['cooled', 'wrong', 'tooled', 'blind', 'patient', 'speedy', 'haiku', 'mini']));
  });
});
