import { connect } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway({ server: { host: '127.0.0.1', port: 0, bodyLimit: '64kb' } });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const openAiBody = { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] };
const anthropicBody = { model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] };

interface Sent {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
}

async function send(
  path: string,
  options: { body?: unknown; raw?: string; headers?: Record<string, string>; method?: string; token?: string | null } = {},
): Promise<Sent> {
  const headers: Record<string, string> = { 'content-type': 'application/json', ...options.headers };
  const token = options.token === undefined ? harness.token : options.token;
  if (token !== null) headers.authorization = `Bearer ${token}`;
  const response = await fetch(`${harness.url}${path}`, {
    method: options.method ?? 'POST',
    headers,
    body: options.raw ?? (options.body === undefined ? undefined : JSON.stringify(options.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

function expectOpenAiError(sent: Sent, status: number, code: string) {
  expect(sent.status).toBe(status);
  expect(sent.body).toMatchObject({ error: { code, message: expect.any(String) } });
  expect(sent.headers.get('x-sluice-request-id')).toBeTruthy();
}

function expectAnthropicError(sent: Sent, status: number, type: string) {
  expect(sent.status).toBe(status);
  expect(sent.body).toMatchObject({ type: 'error', error: { type, message: expect.any(String) } });
}

describe('bad input gets a clear error in the caller shape', () => {
  it('400 for invalid JSON, naming nothing it cannot', async () => {
    expectOpenAiError(await send('/v1/chat/completions', { raw: '{"model": ' }), 400, 'invalid_json');
    expectAnthropicError(await send('/v1/messages', { raw: 'not json' }), 400, 'invalid_request_error');
  });

  it('400 naming the missing or wrong field', async () => {
    const missingModel = await send('/v1/chat/completions', { body: { messages: openAiBody.messages } });
    expectOpenAiError(missingModel, 400, 'invalid_request');
    expect(missingModel.body).toMatchObject({ error: { param: 'model' } });
    const badMessages = await send('/v1/chat/completions', { body: { model: 'gpt-4o-mini', messages: 'hello' } });
    expect(badMessages.body).toMatchObject({ error: { param: 'messages' } });
    const missingMaxTokens = await send('/v1/messages', { body: { model: 'claude-haiku-4-5', messages: anthropicBody.messages } });
    expectAnthropicError(missingMaxTokens, 400, 'invalid_request_error');
    expect(JSON.stringify(missingMaxTokens.body)).toContain('max_tokens');
    const wrongType = await send('/v1/messages', { body: { ...anthropicBody, max_tokens: 'many' } });
    expect(JSON.stringify(wrongType.body)).toContain('max_tokens');
    const notObject = await send('/v1/chat/completions', { body: [1, 2] });
    expectOpenAiError(notObject, 400, 'invalid_request');
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('401 for missing, malformed, unknown and revoked keys, telling clients not to retry', async () => {
    const missing = await send('/v1/chat/completions', { body: openAiBody, token: null });
    expectOpenAiError(missing, 401, 'missing_api_key');
    expect(missing.headers.get('x-should-retry')).toBe('false');
    expectOpenAiError(await send('/v1/chat/completions', { body: openAiBody, token: 'sk-sluice-nope' }), 401, 'invalid_api_key');
    // One character changed, always to a different one (the old choice kept the token as it was 1 run in 60).
    const changed = harness.token.length - 8;
    const wellFormedUnknown = harness.token.slice(0, changed) + (harness.token[changed] === 'A' ? 'B' : 'A') + harness.token.slice(changed + 1);
    expect(wellFormedUnknown).not.toBe(harness.token);
    expectOpenAiError(await send('/v1/chat/completions', { body: openAiBody, token: wellFormedUnknown }), 401, 'invalid_api_key');
    const revokedToken = await harness.issueKey({ name: 'to-revoke' });
    expect((await send('/v1/chat/completions', { body: openAiBody, token: revokedToken })).status).toBe(200);
    await harness.gateway.services.store.revokeKey('to-revoke');
    await harness.gateway.services.keyView.reload();
    const revoked = await send('/v1/messages', { body: anthropicBody, token: revokedToken });
    expectAnthropicError(revoked, 401, 'authentication_error');
    expect(revoked.headers.get('x-should-retry')).toBe('false');
  });

  it('403 for a model outside the key allow-list, before any upstream call', async () => {
    const token = await harness.issueKey({ name: 'only-haiku', allowedModels: ['haiku'] });
    expectOpenAiError(await send('/v1/chat/completions', { body: openAiBody, token }), 403, 'model_not_allowed');
    expect((await send('/v1/messages', { body: { ...anthropicBody, model: 'haiku' }, token })).status).toBe(200);
    expect(harness.upstream.requests).toHaveLength(1);
  });

  it('404 for unknown models and routes, without calling upstream', async () => {
    expectOpenAiError(await send('/v1/chat/completions', { body: { ...openAiBody, model: 'no-such-model' } }), 404, 'model_not_found');
    expectAnthropicError(await send('/v1/messages', { body: { ...anthropicBody, model: 'nope:thing' } }), 404, 'not_found_error');
    expectOpenAiError(await send('/v1/nothing-here', { body: openAiBody }), 404, 'route_not_found');
    expectOpenAiError(await send('/nosuchprovider/v1/chat/completions', { body: openAiBody }), 404, 'route_not_found');
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('405 for the wrong method, 413 for a body over the limit, 415 for a non-JSON body', async () => {
    const wrongMethod = await send('/v1/chat/completions', { method: 'GET' });
    expectOpenAiError(wrongMethod, 405, 'method_not_allowed');
    expect(wrongMethod.headers.get('allow')).toBe('POST');
    const huge = { ...openAiBody, messages: [{ role: 'user', content: 'x'.repeat(100_000) }] };
    expectOpenAiError(await send('/v1/chat/completions', { body: huge }), 413, 'payload_too_large');
    expectAnthropicError(await send('/v1/messages', { body: { ...anthropicBody, messages: [{ role: 'user', content: 'x'.repeat(100_000) }] } }), 413, 'request_too_large');
    expectOpenAiError(
      await send('/v1/chat/completions', { raw: 'model=gpt', headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      415,
      'unsupported_media_type',
    );
  });

  it('400 naming what cannot be translated to a provider of another shape, before any upstream call', async () => {
    const audio = {
      model: 'claude-haiku-4-5',
      messages: [{ role: 'user', content: [{ type: 'input_audio', input_audio: { data: 'AAAA', format: 'wav' } }] }],
    };
    const refused = await send('/v1/chat/completions', { body: audio });
    expectOpenAiError(refused, 400, 'invalid_request');
    expect(JSON.stringify(refused.body)).toContain('input_audio');
    expect(harness.upstream.requests).toHaveLength(0);
  });

  it('400 for an image sent to a text-only model, before any upstream call', async () => {
    const textOnly = await startTestGateway({
      providers: { local: { baseUrl: `${harness.upstream.url}/v1`, images: false, models: ['llama-text'] } },
    });
    try {
      const image = { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } };
      const response = await fetch(`${textOnly.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${textOnly.token}` },
        body: JSON.stringify({ model: 'llama-text', messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, image] }] }),
      });
      expect(response.status).toBe(400);
      expect(await response.json()).toMatchObject({ error: { code: 'invalid_request', param: 'messages' } });
      expect(harness.upstream.requests).toHaveLength(0);
    } finally {
      await textOnly.close();
    }
  });

  it('passes upstream errors through in the caller shape with their status and retry-after', async () => {
    harness.upstream.enqueue({ status: 429, retryAfter: 7 });
    const limited = await send('/v1/messages', { body: anthropicBody });
    expectAnthropicError(limited, 429, 'rate_limit_error');
    expect(limited.headers.get('retry-after')).toBe('7');
    // Twice: a plain model is retried once on a 5xx (a 429 asking for longer than maxRetryAfterMs is not).
    harness.upstream.enqueue({ status: 500 });
    harness.upstream.enqueue({ status: 500 });
    const failed = await send('/v1/chat/completions', { body: openAiBody });
    expect(failed.status).toBe(500);
    expect(failed.body).toHaveProperty('error.message');
    const rows = (await harness.usageRows()).slice(-2);
    expect(rows[0]).toMatchObject({ statusCode: 429, outcome: 'error', errorCode: 'upstream_error' });
    expect(rows[1]).toMatchObject({ statusCode: 500, outcome: 'error', errorCode: 'upstream_error' });
  });

  it('records a usage row for every refused model call, with the reason', async () => {
    const before = (await harness.usageRows()).length;
    await send('/v1/chat/completions', { raw: '{broken' });
    await send('/v1/chat/completions', { body: { ...openAiBody, model: 'no-such-model' } });
    const rows = (await harness.usageRows()).slice(before);
    expect(rows.map((row) => [row.statusCode, row.errorCode])).toEqual([
      [400, 'invalid_json'],
      [404, 'model_not_found'],
    ]);
    expect(rows[0]!.keyId).not.toBeNull();
  });

  it('survives malformed HTTP and request smuggling attempts', async () => {
    const attempts = [
      'GARBAGE / HTTP/1.1\r\n\r\n',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\nContent-Length: 3\r\n\r\nabc',
      'POST /v1/chat/completions HTTP/1.1\r\nHo st: bad header\r\n\r\n',
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{"partial":',
    ];
    const address = new URL(harness.url);
    for (const attempt of attempts) {
      const reply = await new Promise<string>((resolve) => {
        const socket = connect(Number(address.port), address.hostname, () => socket.end(attempt));
        let received = '';
        socket.on('data', (chunk) => (received += chunk.toString()));
        socket.on('close', () => resolve(received));
        socket.on('error', () => resolve(received));
        socket.setTimeout(2_000, () => socket.destroy());
      });
      // Every attempt gets an answer, and it is a refusal: silence would let a smuggled request go unnoticed.
      expect(reply, JSON.stringify(attempt)).toMatch(/^HTTP\/1\.1 4\d\d /);
    }
    const health = await fetch(`${harness.url}/healthz`);
    expect(health.status).toBe(200);
    expect(await health.json()).toEqual({ status: 'ok' });
  });
});

describe('upstream failures', () => {
  it('502 when the upstream cannot be reached', async () => {
    const unreachable = await startTestGateway({
      providers: { openai: { baseUrl: 'http://127.0.0.1:1/v1', apiKey: 'k' } },
    });
    try {
      const response = await fetch(`${unreachable.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${unreachable.token}` },
        body: JSON.stringify(openAiBody),
      });
      expect(response.status).toBe(502);
      expect(await response.json()).toMatchObject({ error: { code: 'upstream_unreachable' } });
      const row = (await unreachable.usageRows()).at(-1)!;
      expect(row).toMatchObject({ statusCode: 502, errorCode: 'upstream_unreachable', provider: 'openai' });
    } finally {
      await unreachable.close();
    }
  });

  it('504 when the upstream does not answer in time, naming the clock; a timeout is not retried by default', async () => {
    // A whole answer runs on the total clock (upstream.timeoutMs is a stream's first byte).
    const slow = await startTestGateway({ upstream: { timeouts: { totalMs: 300 } } });
    try {
      slow.upstream.enqueue({ hang: true });
      const response = await fetch(`${slow.url}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-api-key': slow.token },
        body: JSON.stringify(anthropicBody),
      });
      expect(response.status).toBe(504);
      expect(await response.json()).toMatchObject({
        type: 'error',
        error: { type: 'timeout_error', message: "The upstream provider 'anthropic' did not finish within 300 ms (timeouts.totalMs)." },
      });
      const row = (await slow.usageRows()).at(-1)!;
      expect(row).toMatchObject({ statusCode: 504, errorCode: 'upstream_timeout.total', attempts: 1 });
      expect(slow.upstream.requests).toHaveLength(1);
    } finally {
      await slow.close();
    }
  });
});
