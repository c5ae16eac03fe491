import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MemoryBudgetLedger } from '../../src/policy/memory-budget-ledger.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;

// $1 per 1k tokens in and out: a short call costs about a cent, a 1000-token reservation about a dollar.
const pricing = { 'openai:gpt-4o-mini': { inputPerMillion: 1000, outputPerMillion: 1000 } };

beforeAll(async () => {
  harness = await startTestGateway({ pricing });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const ask = (client: OpenAI) =>
  client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }).withResponse();

describe('budgets', () => {
  it('serves past the soft cap with a warning, refuses past the hard cap without retry, and reports it in /v1/usage', async () => {
    const token = await harness.issueKey({ name: 'budgeted', limits: { requestsPerMinute: 0, budget: { period: 'month', softUsd: 0.03, hardUsd: 0.08 } } });
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const served: Array<string | null> = [];
    let refusal: (Error & { status?: number; headers?: Headers }) | undefined;
    for (let attempt = 0; attempt < 20 && !refusal; attempt++) {
      await ask(client).then(
        (response) => served.push(response.response.headers.get('x-sluice-budget-warning')),
        (error: Error & { status?: number; headers?: Headers }) => (refusal = error),
      );
    }
    expect(served.length).toBeGreaterThan(1);
    expect(served[0]).toBeNull();
    expect(served.at(-1)).toContain('soft budget reached for key');
    expect(refusal?.status).toBe(429);
    expect(refusal?.headers?.get('x-should-retry')).toBe('false');
    expect(refusal?.message).toContain('Budget for this key cannot cover this request');
    const rows = await harness.usageRows();
    expect(rows.at(-1)).toMatchObject({ statusCode: 429, errorCode: 'budget_exceeded.key' });
    const spent = rows.filter((row) => row.statusCode === 200 && row.keyId === rows.at(-1)!.keyId).reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
    // Overspend is bounded by one request's maximum cost (20 output + the prompt at $0.001 a token).
    expect(spent).toBeLessThanOrEqual(0.08 + 0.03);

    const usage = await fetch(`${harness.url}/v1/usage`, { headers: { authorization: `Bearer ${token}` } });
    expect(usage.headers.get('sluice-api-version')).toBeTruthy();
    const report = (await usage.json()) as { key: { budget: { spentUsd: number; remainingUsd: number; hardUsd: number }; usage: { thisMonth: { requests: number } } } };
    expect(report.key.budget).toMatchObject({ hardUsd: 0.08 });
    expect(report.key.budget.spentUsd).toBeCloseTo(spent, 6);
    expect(report.key.usage.thisMonth.requests).toBe(served.length + 1);
    expect((harness.gateway.services.budgetLedger as MemoryBudgetLedger).openReservations).toBe(0);
  });

  it('team budgets are shared by every key of the team', async () => {
    await harness.gateway.services.store.setPrincipal('team', { name: 'frugal', limits: { budget: { period: 'day', hardUsd: 0.02 } }, allowedModels: null });
    await harness.gateway.services.principals.reload();
    const first = new OpenAI({ apiKey: await harness.issueKey({ name: 'frugal-1', teamName: 'frugal' }), baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const second = new OpenAI({ apiKey: await harness.issueKey({ name: 'frugal-2', teamName: 'frugal' }), baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const refusals: unknown[] = [];
    for (let attempt = 0; attempt < 10; attempt++) {
      await ask(attempt % 2 === 0 ? first : second).catch((error: unknown) => refusals.push(error));
    }
    expect(refusals.length).toBeGreaterThan(0);
    // Only budget refusals count: any other failure (a 500, a rate limit) is a bug here, not a refusal.
    for (const refusal of refusals) {
      expect(refusal).toBeInstanceOf(OpenAI.RateLimitError);
      expect(refusal).toMatchObject({ status: 429, code: 'budget_exceeded' });
    }
    expect((await harness.usageRows()).at(-1)).toMatchObject({ errorCode: 'budget_exceeded.team' });
  });

  it('/v1/usage answers for a key without limits too, and refuses a bad key', async () => {
    const response = await fetch(`${harness.url}/v1/usage`, { headers: { 'x-api-key': harness.token } });
    const report = (await response.json()) as Record<string, unknown>;
    expect(report).toMatchObject({ object: 'usage', key: { name: 'test-key', limits: { requestsPerMinute: 100 } }, user: { name: 'ada' }, team: { name: 'research' } });
    expect((await fetch(`${harness.url}/v1/usage`)).status).toBe(401);
  });
});
