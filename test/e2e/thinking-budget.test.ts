import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Reasoning translated to Claude: thinking fits inside the caller's max_tokens (the ceiling of what is
 * billed), or is dropped with a warning; without a caller max_tokens the default includes the budget,
 * and the budget reservation covers what is actually sent.
 */

let harness: TestGateway;
let client: OpenAI;

// A dollar per thousand output tokens: a reservation's size shows in dollars.
const pricing = { 'anthropic:claude-haiku-4-5': { inputPerMillion: 1, outputPerMillion: 1000 } };

beforeAll(async () => {
  harness = await startTestGateway({ pricing });
  client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

type Json = Record<string, unknown>;
const sentBody = () => harness.upstream.requests[0]!.body as Json;

describe('reasoning_effort → Claude thinking', () => {
  it('keeps the caller\'s max_tokens and thinks within half of it', async () => {
    const response = await client.chat.completions
      .create({ model: 'claude-haiku-4-5', max_tokens: 3000, reasoning_effort: 'medium', messages: [{ role: 'user', content: 'think' }] })
      .withResponse();
    expect(sentBody()).toMatchObject({ max_tokens: 3000, thinking: { type: 'enabled', budget_tokens: 1500 } });
    expect(response.response.headers.get('x-sluice-warning')).toBeNull();
  });

  it('keeps the effort\'s own budget when half of max_tokens is more', async () => {
    await client.chat.completions.create({ model: 'claude-haiku-4-5', max_tokens: 20000, reasoning_effort: 'low', messages: [{ role: 'user', content: 'think' }] });
    expect(sentBody()).toMatchObject({ max_tokens: 20000, thinking: { type: 'enabled', budget_tokens: 2048 } });
  });

  it('drops reasoning with a warning when Claude\'s minimum budget does not fit', async () => {
    const response = await client.chat.completions
      .create({ model: 'claude-haiku-4-5', max_tokens: 1500, reasoning_effort: 'high', messages: [{ role: 'user', content: 'think' }] })
      .withResponse();
    expect(sentBody().max_tokens).toBe(1500);
    expect(sentBody().thinking).toBeUndefined();
    expect(response.response.headers.get('x-sluice-warning')).toContain('thinking dropped: max_tokens 1500');
  });

  it('without a caller max_tokens, sends the budget plus room for the answer', async () => {
    await client.chat.completions.create({ model: 'claude-haiku-4-5', reasoning_effort: 'high', messages: [{ role: 'user', content: 'think' }] });
    expect(sentBody()).toMatchObject({ max_tokens: 24576 + 4096, thinking: { type: 'enabled', budget_tokens: 24576 } });
  });

  it('does the same for the Responses API\'s reasoning.effort and max_output_tokens', async () => {
    await client.responses.create({ model: 'claude-haiku-4-5', max_output_tokens: 3000, reasoning: { effort: 'medium' }, input: 'think' });
    expect(sentBody()).toMatchObject({ max_tokens: 3000, thinking: { type: 'enabled', budget_tokens: 1500 } });
  });

  it('drops the sampling settings Claude refuses with thinking, saying so', async () => {
    const response = await client.chat.completions
      .create({ model: 'claude-haiku-4-5', max_tokens: 4000, temperature: 0.2, top_p: 0.5, reasoning_effort: 'low', messages: [{ role: 'user', content: 'think' }] })
      .withResponse();
    expect(sentBody().temperature).toBeUndefined();
    expect(sentBody().top_p).toBeUndefined();
    expect(response.response.headers.get('x-sluice-warning')).toContain('temperature dropped');
    expect(response.response.headers.get('x-sluice-warning')).toContain('top_p dropped');
  });
});

describe('the budget reservation covers the max_tokens sent upstream', () => {
  it('reserves the thinking budget a translation adds, not only the caller\'s default', async () => {
    // 4096 output tokens (no reasoning) reserve ≈ $4.10; 28672 (high effort, no max_tokens) ≈ $28.67.
    const token = await harness.issueKey({ name: 'thinker', limits: { requestsPerMinute: 0, budget: { period: 'month', hardUsd: 10 } } });
    const budgeted = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    await budgeted.chat.completions.create({ model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'plain' }] });
    expect((harness.upstream.requests[0]!.body as Json).max_tokens).toBe(4096);

    const refused = await budgeted.chat.completions
      .create({ model: 'claude-haiku-4-5', reasoning_effort: 'high', messages: [{ role: 'user', content: 'think hard' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(429);
    expect(harness.upstream.requests).toHaveLength(1);
    expect((await harness.usageRows()).at(-1)).toMatchObject({ statusCode: 429, errorCode: 'budget_exceeded.key' });

    // Inside the caller's own max_tokens the same reasoning fits the budget.
    await budgeted.chat.completions.create({ model: 'claude-haiku-4-5', max_tokens: 3000, reasoning_effort: 'high', messages: [{ role: 'user', content: 'think' }] });
    expect((harness.upstream.requests[1]!.body as Json).thinking).toEqual({ type: 'enabled', budget_tokens: 1500 });
    expect((harness.gateway.services.budgetLedger as MemoryBudgetLedger).openReservations).toBe(0);
  });
});
