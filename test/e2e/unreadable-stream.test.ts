import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * An upstream stream with an event that is not JSON (`data: {not json`) followed by a clean end: the bytes
 * already relayed stay relayed, a translated stream ends with an error event, and the row says
 * `upstream_invalid_response` instead of `ok` with no tokens.
 */
let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway();
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

let lastAttempts: string | null = null;

async function stream(path: string, body: unknown, headers: Record<string, string>): Promise<string> {
  const response = await fetch(`${harness.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  expect(response.status).toBe(200);
  lastAttempts = response.headers.get('x-sluice-attempts');
  return response.text();
}

const chat = (model: string) => ({ model, stream: true, messages: [{ role: 'user', content: 'hi' }] });
const messages = (model: string) => ({ model, stream: true, max_tokens: 64, messages: [{ role: 'user', content: 'hi' }] });

describe('a stream whose events cannot be read', () => {
  it('before the first content, an unreadable event is a failed attempt the caller never sees', async () => {
    harness.upstream.enqueue({ invalidEventAt: 1 });
    const text = await stream('/v1/chat/completions', chat('gpt-4o-mini'), { authorization: `Bearer ${harness.token}` });
    expect(text).not.toContain('{not json');
    expect(lastAttempts).toBe('2');
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({ outcome: 'ok', errorCode: null });
  });

  it('after the first content, the bytes relayed stay relayed and the row says invalid response', async () => {
    harness.upstream.enqueue({ invalidEventAt: 3, reply: 'one two three four five' });
    const text = await stream('/v1/chat/completions', chat('gpt-4o-mini'), { authorization: `Bearer ${harness.token}` });
    expect(text).toContain('data: {not json');
    expect(lastAttempts).toBe('1');
    expect((await harness.usageRows()).at(-1)).toMatchObject({ outcome: 'error', errorCode: 'upstream_invalid_response', statusCode: 502 });
  });

  it('pass-through (chat → OpenAI) on the last attempt: relayed as sent, recorded as an invalid response', async () => {
    // Both tries of the plain model: the second is the last chance, so it is relayed as it comes.
    harness.upstream.enqueue({ invalidEventAt: 1 });
    harness.upstream.enqueue({ invalidEventAt: 1 });
    const text = await stream('/v1/chat/completions', chat('gpt-4o-mini'), { authorization: `Bearer ${harness.token}` });
    expect(text).toContain('data: {not json');
    expect(text).toContain('[DONE]');
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({ outcome: 'error', errorCode: 'upstream_invalid_response', statusCode: 502 });
  });

  it('pass-through (messages → Anthropic): recorded as an invalid response', async () => {
    harness.upstream.enqueue({ invalidEventAt: 2 });
    harness.upstream.enqueue({ invalidEventAt: 2 });
    const text = await stream('/v1/messages', messages('claude-haiku-4-5'), { 'x-api-key': harness.token });
    expect(text).toContain('message_stop');
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({ outcome: 'error', errorCode: 'upstream_invalid_response' });
  });

  it('translated (chat → Anthropic, messages → OpenAI, Gemini → OpenAI, responses → Anthropic): ends with an error event', async () => {
    const cases: Array<{ path: string; body: unknown; headers: Record<string, string>; lastEvent: RegExp }> = [
      { path: '/v1/chat/completions', body: chat('claude-haiku-4-5'), headers: { authorization: `Bearer ${harness.token}` }, lastEvent: /"code":"upstream_invalid_response"/ },
      { path: '/v1/messages', body: messages('gpt-4o-mini'), headers: { 'x-api-key': harness.token }, lastEvent: /event: error\n.*not valid JSON/ },
      {
        path: '/v1beta/models/gpt-4o-mini:streamGenerateContent?alt=sse',
        body: { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] },
        headers: { 'x-goog-api-key': harness.token },
        lastEvent: /"error":\{"code":502,"message":"The upstream provider sent a stream event that is not valid JSON/,
      },
      {
        path: '/v1/responses',
        body: { model: 'claude-haiku-4-5', stream: true, input: 'hi' },
        headers: { authorization: `Bearer ${harness.token}` },
        lastEvent: /event: error\n.*"code":"upstream_invalid_response"/,
      },
    ];
    for (const testCase of cases) {
      harness.upstream.enqueue({ invalidEventAt: 1 });
      harness.upstream.enqueue({ invalidEventAt: 1 });
      const text = await stream(testCase.path, testCase.body, testCase.headers);
      const frames = text.trim().split(/\n\n/);
      expect(frames.at(-1), testCase.path + ' ' + JSON.stringify(testCase.body)).toMatch(testCase.lastEvent);
      expect(text).not.toContain('{not json');
      const row = (await harness.usageRows()).at(-1)!;
      expect(row, testCase.path).toMatchObject({ outcome: 'error', errorCode: 'upstream_invalid_response' });
    }
  });

  it('a clean stream is still ok', async () => {
    await stream('/v1/chat/completions', chat('claude-haiku-4-5'), { authorization: `Bearer ${harness.token}` });
    expect((await harness.usageRows()).at(-1)).toMatchObject({ outcome: 'ok', errorCode: null });
  });
});
