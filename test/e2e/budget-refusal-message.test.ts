import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/** The budget refusal as a client reads it (issue 8, item 15; the wording is pinned in test/unit/budget-refusal.test.ts). */

let harness: TestGateway;
beforeAll(async () => {
  // $1 per 1k tokens: max_tokens 20 plus the prompt reserves about $0.03, more than a fresh $0.02 budget.
  harness = await startTestGateway({ pricing: { 'openai:gpt-4o-mini': { inputPerMillion: 1000, outputPerMillion: 1000 } } });
});
afterAll(() => harness.close());

describe('a budget refusal through the gateway', () => {
  it('tells an OpenAI client the maximum cost reserved and what remains', async () => {
    const token = await harness.issueKey({ name: 'small-budget', limits: { budget: { period: 'week', hardUsd: 0.02 } } });
    const client = new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const error = await client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error).toMatchObject({ status: 429, code: 'budget_exceeded' });
    expect((error as Error).message).toMatch(
      /Budget for this key cannot cover this request: its maximum cost, \$0\.0[2-4]\d*, reserved before the call .* is more than the \$0\.02 left of the \$0\.02 weekly budget \(\$0\.00 spent or reserved\)\./,
    );
    expect(harness.upstream.requests).toHaveLength(0);
  });
});
