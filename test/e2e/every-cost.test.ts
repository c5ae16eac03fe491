import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** Issue 20 §4: images sent and image tokens, and what an upstream billed beside Sluice's own price. */

// A one-pixel PNG: what the image is does not matter, only that it is one.
const pixel = 'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==';
const dataUrl = `data:image/png;base64,${pixel}`;

// Sluice's own price for the OpenAI-compatible model, so `cost_usd` and `billed_cost_usd` differ.
const pricing = { 'vllm:llama-3.1-8b': { inputPerMillion: 1, outputPerMillion: 2 } };

let harness: TestGateway;
let openAi: OpenAI;
let anthropic: Anthropic;
let analyticsToken: string;

beforeAll(async () => {
  harness = await startTestGateway({ pricing });
  openAi = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
  analyticsToken = await harness.issueKey({ name: 'reader', role: 'analytics' });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const lastRow = async () => (await harness.usageRows()).at(-1)!;

const openAiImages: OpenAI.Chat.ChatCompletionMessageParam[] = [
  {
    role: 'user',
    content: [
      { type: 'text', text: 'What differs between these?' },
      { type: 'image_url', image_url: { url: dataUrl } },
      { type: 'image_url', image_url: { url: dataUrl } },
    ],
  },
];

const anthropicImages: Anthropic.MessageParam[] = [
  {
    role: 'user',
    content: [
      { type: 'text', text: 'Describe it.' },
      { type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } },
    ],
  },
  { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'screenshot', input: {} }] },
  {
    role: 'user',
    content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: pixel } }] }],
  },
];

describe('image_count', () => {
  it('counts the images an OpenAI call sends, passed through and translated to Anthropic', async () => {
    await openAi.chat.completions.create({ model: 'gpt-4o-mini', messages: openAiImages });
    expect(await lastRow()).toMatchObject({ provider: 'openai', imageCount: 2, imageTokens: 0 });

    await openAi.chat.completions.create({ model: 'haiku', max_tokens: 50, messages: openAiImages });
    const sent = harness.upstream.requests.at(-1)!;
    expect(sent.path).toBe('/v1/messages');
    expect(await lastRow()).toMatchObject({ provider: 'anthropic', inboundDialect: 'openai-chat', imageCount: 2 });
  });

  it('counts the images an Anthropic call sends (a tool result’s too), passed through, translated and streamed', async () => {
    await anthropic.messages.create({ model: 'claude-haiku-4-5', max_tokens: 50, messages: anthropicImages });
    expect(await lastRow()).toMatchObject({ provider: 'anthropic', inboundDialect: 'anthropic-messages', imageCount: 2 });

    // Counted as sent: an OpenAI `tool` message carries text only, so the tool result's image stays behind.
    await anthropic.messages.create({ model: 'gpt-4o-mini', max_tokens: 50, messages: anthropicImages });
    const sent = harness.upstream.requests.at(-1)!;
    expect(sent.path).toBe('/v1/chat/completions');
    expect(JSON.stringify(sent.body).split('"type":"image_url"').length - 1).toBe(1);
    expect(await lastRow()).toMatchObject({ provider: 'openai', inboundDialect: 'anthropic-messages', imageCount: 1 });

    const stream = anthropic.messages.stream({ model: 'gpt-4o-mini', max_tokens: 50, messages: anthropicImages.slice(0, 1) });
    await stream.finalMessage();
    expect(await lastRow()).toMatchObject({ provider: 'openai', stream: true, imageCount: 1 });
  });

  it('is 0 for a call without images, and image tokens come from the provider when it reports them', async () => {
    await openAi.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'no pictures' }] });
    expect(await lastRow()).toMatchObject({ imageCount: 0, imageTokens: 0 });

    harness.upstream.enqueue({ usage: { imageTokens: 85 } });
    await openAi.chat.completions.create({ model: 'gpt-4o-mini', messages: openAiImages });
    expect(await lastRow()).toMatchObject({ imageCount: 2, imageTokens: 85 });

    harness.upstream.enqueue({ usage: { imageTokens: 258 } });
    await openAi.chat.completions.create({ model: 'gemini-2.5-flash', messages: openAiImages });
    expect(await lastRow()).toMatchObject({ provider: 'gemini', imageCount: 2, imageTokens: 258 });
  });
});

describe('billed_cost_usd', () => {
  it('records the cost an OpenAI-compatible upstream reports, whole, streamed and translated, beside Sluice’s price', async () => {
    harness.upstream.enqueue({ usage: { cost: 0.0123 } });
    await openAi.chat.completions.create({ model: 'vllm:llama-3.1-8b', messages: [{ role: 'user', content: 'hi' }] });
    const whole = await lastRow();
    expect(whole).toMatchObject({ provider: 'vllm', billedCostUsd: 0.0123, priceSource: 'config' });
    expect(whole.costUsd).toBeGreaterThan(0);
    expect(whole.costUsd).not.toBe(0.0123);

    harness.upstream.enqueue({ usage: { cost: 0.0045 } });
    const stream = await openAi.chat.completions.create({ model: 'vllm:llama-3.1-8b', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    for await (const chunk of stream) expect(chunk.object).toBe('chat.completion.chunk');
    expect(await lastRow()).toMatchObject({ stream: true, billedCostUsd: 0.0045 });

    harness.upstream.enqueue({ usage: { cost: 0.0067 } });
    await anthropic.messages.stream({ model: 'vllm:llama-3.1-8b', max_tokens: 50, messages: [{ role: 'user', content: 'hi' }] }).finalMessage();
    expect(await lastRow()).toMatchObject({ inboundDialect: 'anthropic-messages', provider: 'vllm', stream: true, billedCostUsd: 0.0067 });
  });

  it('is null when the upstream reports no cost, and the request log and detail show it beside cost_usd', async () => {
    await openAi.chat.completions.create({ model: 'vllm:llama-3.1-8b', messages: [{ role: 'user', content: 'hi' }] });
    const unbilled = await lastRow();
    expect(unbilled.billedCostUsd).toBeNull();

    harness.upstream.enqueue({ usage: { cost: 0.0321 } });
    const answer = await openAi.chat.completions.create({ model: 'vllm:llama-3.1-8b', messages: openAiImages }).withResponse();
    const id = answer.response.headers.get('x-sluice-request-id')!;
    await harness.usageRows();
    const headers = { authorization: `Bearer ${analyticsToken}` };
    const log = (await (await fetch(`${harness.url}/analytics/requests?window=1h&limit=2`, { headers })).json()) as { data: Array<Record<string, unknown>> };
    expect(log.data[0]).toMatchObject({ id, billed_cost_usd: 0.0321, image_count: 2, image_tokens: 0 });
    expect(log.data[0]!.cost_usd).toBeGreaterThan(0);
    expect(log.data[1]).toMatchObject({ id: unbilled.id, billed_cost_usd: null });
    const detail = (await (await fetch(`${harness.url}/analytics/requests/${id}`, { headers })).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ object: 'analytics.request', billed_cost_usd: 0.0321, image_count: 2 });
  });

  it('the cost report shows what upstreams billed beside cost_usd, per model and in the totals; null where none reported it', async () => {
    const headers = { authorization: `Bearer ${analyticsToken}` };
    type CostRow = { group: string; calls: number; cost_usd: number; billed_cost_usd: number | null; billed_calls: number };
    const report = async () => (await (await fetch(`${harness.url}/analytics/cost?window=1h&group_by=model`, { headers })).json()) as { totals: Omit<CostRow, 'group'>; data: CostRow[] };
    // A model no upstream billed for.
    await openAi.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await harness.usageRows();
    const before = await report();

    harness.upstream.enqueue({ usage: { cost: 0.5 } });
    await openAi.chat.completions.create({ model: 'vllm:llama-3.1-8b', messages: [{ role: 'user', content: 'hi' }] });
    harness.upstream.enqueue({ usage: { cost: 0.25 } });
    const stream = await openAi.chat.completions.create({ model: 'vllm:llama-3.1-8b', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    for await (const chunk of stream) expect(chunk.object).toBe('chat.completion.chunk');
    // Billed nothing: a billed call all the same.
    harness.upstream.enqueue({ usage: { cost: 0 } });
    await openAi.chat.completions.create({ model: 'vllm:llama-3.1-8b', messages: [{ role: 'user', content: 'hi' }] });
    // Reported no cost.
    await openAi.chat.completions.create({ model: 'vllm:llama-3.1-8b', messages: [{ role: 'user', content: 'hi' }] });
    await harness.usageRows();
    const after = await report();

    const vllm = (answer: { data: CostRow[] }) => answer.data.find((row) => row.group === 'llama-3.1-8b') ?? { calls: 0, cost_usd: 0, billed_cost_usd: 0, billed_calls: 0 };
    expect(vllm(after).calls - vllm(before).calls).toBe(4);
    expect(vllm(after).billed_calls - vllm(before).billed_calls).toBe(3);
    expect(vllm(after).billed_cost_usd! - (vllm(before).billed_cost_usd ?? 0)).toBeCloseTo(0.75, 12);
    // Sluice's own price is still cost_usd, a few millionths of a dollar a call.
    expect(vllm(after).cost_usd - vllm(before).cost_usd).toBeGreaterThan(0);
    expect(vllm(after).cost_usd - vllm(before).cost_usd).toBeLessThan(0.01);
    expect(after.data.find((row) => row.group === 'gpt-4o-mini')).toMatchObject({ billed_cost_usd: null, billed_calls: 0 });
    expect(after.totals.billed_calls - before.totals.billed_calls).toBe(3);
    expect(after.totals.billed_cost_usd! - (before.totals.billed_cost_usd ?? 0)).toBeCloseTo(0.75, 12);
  });
});

describe('pricing.preferBilled', () => {
  // A hard budget of 10 cents; Sluice's price of a call is a few millionths of a dollar, the billed cost 4 cents.
  const budget = { period: 'month', hardUsd: 0.1 } as const;
  const billed = 0.04;

  async function callsUntilRefused(gateway: TestGateway): Promise<{ served: number; token: string }> {
    const token = await gateway.issueKey({ name: 'billed', limits: { requestsPerMinute: 0, budget } });
    const client = new OpenAI({ apiKey: token, baseURL: `${gateway.url}/v1`, maxRetries: 0 });
    let served = 0;
    for (let call = 0; call < 6; call++) {
      gateway.upstream.enqueue({ usage: { cost: billed } });
      const refused = await client.chat.completions.create({ model: 'vllm:llama-3.1-8b', max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }).then(
        () => false,
        (error: unknown) => {
          expect(error).toMatchObject({ status: 429, code: 'budget_exceeded' });
          return true;
        },
      );
      if (refused) break;
      served++;
    }
    return { served, token };
  }

  it('settles budgets on the billed cost: the budget runs out after three 4-cent calls', async () => {
    const preferring = await startTestGateway({ pricing: { preferBilled: true, ...pricing } });
    try {
      const { served, token } = await callsUntilRefused(preferring);
      // 0.04 + 0.04 leaves room for a third; 0.12 spent leaves none.
      expect(served).toBe(3);
      const rows = (await preferring.usageRows()).filter((row) => row.statusCode === 200);
      expect(rows.map((row) => row.billedCostUsd)).toEqual([billed, billed, billed]);
      // cost_usd stays Sluice's own price.
      for (const row of rows) expect(row.costUsd).toBeLessThan(0.001);
      const usage = (await (await fetch(`${preferring.url}/v1/usage`, { headers: { authorization: `Bearer ${token}` } })).json()) as {
        key: { budget: { spentUsd: number }; usage: { thisMonth: { costUsd: number; billedCostUsd: number } } };
      };
      expect(usage.key.budget.spentUsd).toBeCloseTo(3 * billed, 9);
      expect(usage.key.usage.thisMonth.billedCostUsd).toBeCloseTo(3 * billed, 9);
      expect(usage.key.usage.thisMonth.costUsd).toBeLessThan(0.003);
      expect((preferring.gateway.services.budgetLedger as MemoryBudgetLedger).openReservations).toBe(0);
    } finally {
      await preferring.close();
    }
  });

  it('without it, budgets settle on Sluice’s price and the same calls never exhaust the budget', async () => {
    const { served } = await callsUntilRefused(harness);
    expect(served).toBe(6);
  });

  it('is a reserved key of pricing:, not a model name, and must be a boolean', async () => {
    await expect(startTestGateway({ pricing: { preferBilled: 'yes' } })).rejects.toThrow(/preferBilled/);
    const preferring = await startTestGateway({ pricing: { preferBilled: true } });
    try {
      // A model called `preferBilled` is priced by nothing rather than by the switch.
      expect(preferring.gateway.services.pricer.quote({ provider: 'vllm', pricingProviderId: undefined, model: 'preferBilled', usage: { inputTokens: 1, outputTokens: 1, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } })).toBeNull();
      expect(preferring.gateway.services.pricer.preferBilled).toBe(true);
    } finally {
      await preferring.close();
    }
  });
});
