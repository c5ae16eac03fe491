import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runClaudeCode, runCodex } from '../helpers/coding-agents.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway({ aliases: { 'gpt-coder': 'openai:gpt-4.1', haiku: 'anthropic:claude-haiku-4-5' } });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const reply = 'Hello from the Sluice mock upstream';

/** The model calls the agent made (it may also make small side calls, e.g. for a title). */
const modelCalls = () => harness.upstream.requests.filter((request) => /\/(messages|responses|chat\/completions)$/.test(request.path));

async function rowsSince(count: number) {
  return (await harness.usageRows()).slice(count);
}

describe('Claude Code through Sluice', () => {
  it('works against an Anthropic model, with its betas and beta query passing through', async () => {
    const before = (await harness.usageRows()).length;
    const result = await runClaudeCode({ baseUrl: harness.url, apiKey: harness.token, prompt: 'Say hello' });
    expect(result.stderr).not.toMatch(/error/i);
    expect(result.stdout).toContain(reply);
    const calls = modelCalls();
    expect(calls.length).toBeGreaterThan(0);
    const main = calls.at(-1)!;
    expect(main.path).toBe('/v1/messages');
    expect(main.query.beta).toBe('true');
    expect(main.headers['anthropic-beta']).toBeTruthy();
    expect((main.body as { tools?: unknown[] }).tools?.length).toBeGreaterThan(5);
    const rows = await rowsSince(before);
    const row = rows.find((candidate) => candidate.inputTokens === main.sentUsage?.inputTokens);
    expect(row).toMatchObject({ inboundDialect: 'anthropic-messages', provider: 'anthropic', statusCode: 200, outcome: 'ok', outputTokens: main.sentUsage!.outputTokens });
  });

  it('works against an OpenAI model by alias, translated', async () => {
    const before = (await harness.usageRows()).length;
    const result = await runClaudeCode({ baseUrl: harness.url, apiKey: harness.token, prompt: 'Say hello', model: 'gpt-coder' });
    expect(result.stdout).toContain(reply);
    const main = modelCalls().at(-1)!;
    expect(main.path).toBe('/v1/chat/completions');
    expect((main.body as { model: string }).model).toBe('gpt-4.1');
    const rows = await rowsSince(before);
    expect(rows.at(-1)).toMatchObject({
      inboundDialect: 'anthropic-messages',
      provider: 'openai',
      requestedModel: 'gpt-coder',
      statusCode: 200,
      inputTokens: main.sentUsage!.inputTokens,
      outputTokens: main.sentUsage!.outputTokens,
    });
  });

  it('stops at once on a bad key instead of retrying for a minute', async () => {
    const result = await runClaudeCode({ baseUrl: harness.url, apiKey: 'sk-sluice-not-a-real-key', prompt: 'Say hello', timeoutMs: 45_000 });
    expect(result.exitCode).not.toBe(0);
    expect(result.elapsedMs).toBeLessThan(20_000);
    expect(`${result.stdout}${result.stderr}`).toMatch(/invalid|api key|auth/i);
    expect(modelCalls()).toHaveLength(0);
  });
});

describe('Codex CLI through Sluice (wire_api = "responses")', () => {
  it('works against an OpenAI model, passed through', async () => {
    const before = (await harness.usageRows()).length;
    const result = await runCodex({ baseUrl: harness.url, apiKey: harness.token, prompt: 'Say hello', model: 'gpt-5-codex' });
    expect(result.stdout).toContain(reply);
    const main = modelCalls().at(-1)!;
    expect(main.path).toBe('/v1/responses');
    const rows = await rowsSince(before);
    expect(rows.at(-1)).toMatchObject({
      inboundDialect: 'openai-responses',
      provider: 'openai',
      statusCode: 200,
      inputTokens: main.sentUsage!.inputTokens,
      outputTokens: main.sentUsage!.outputTokens,
    });
  });

  it('works against an Anthropic model, translated', async () => {
    const before = (await harness.usageRows()).length;
    const result = await runCodex({ baseUrl: harness.url, apiKey: harness.token, prompt: 'Say hello', model: 'haiku' });
    expect(result.stdout).toContain(reply);
    const main = modelCalls().at(-1)!;
    expect(main.path).toBe('/v1/messages');
    expect((main.body as { tools?: unknown[] }).tools?.length).toBeGreaterThan(3);
    const rows = await rowsSince(before);
    expect(rows.at(-1)).toMatchObject({
      inboundDialect: 'openai-responses',
      provider: 'anthropic',
      requestedModel: 'haiku',
      statusCode: 200,
      inputTokens: main.sentUsage!.inputTokens,
      outputTokens: main.sentUsage!.outputTokens,
    });
  });
});
