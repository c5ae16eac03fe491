import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { eventually, startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';
import { spanKind, startOtlpReceiver, type OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.js';

/**
 * OpenTelemetry traces, end to end: the gateway exports to a real OTLP/HTTP receiver, and the spans it
 * decodes are checked against the GenAI conventions — names, kinds, parents, attributes — and against
 * what the caller and the fake upstream saw.
 */
let receiver: OtlpReceiver;
let harness: TestGateway;
let openai: OpenAI;
let anthropic: Anthropic;

const usageDirective = '[[mock {"usage":{"cacheReadTokens":3,"cacheWriteTokens":2,"reasoningTokens":4,"cost":0.0042}}]]';

beforeAll(async () => {
  receiver = await startOtlpReceiver();
  harness = await startTestGateway({
    telemetry: {
      otlp: { endpoint: receiver.url, headers: { 'x-collector-token': 'collector-secret' }, exportDelayMs: 20 },
      serviceName: 'sluice-under-test',
    },
    groups: {
      resilient: { policy: 'failover', targets: [{ model: 'openai:flaky-model' }, { model: 'anthropic:steady-model' }], retry: { attempts: 1 } },
    },
  });
  openai = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
});
afterAll(async () => {
  await harness.close();
  await receiver.close();
});
beforeEach(() => harness.upstream.reset());

/** The call's SERVER span (found by its request id) and its CLIENT spans, in the order they started. */
async function traceOf(requestId: string | null): Promise<{ server: ReceivedSpan; clients: ReceivedSpan[] }> {
  expect(requestId).toBeTruthy();
  const server = await eventually(
    () => receiver.spans.find((span) => span.kind === spanKind.server && span.attributes['sluice.request_id'] === requestId),
    (span) => span !== undefined,
  );
  // Attempts end before their call, so they were exported with it or before it.
  const clients = receiver.spans.filter((span) => span.parentSpanId === server!.spanId);
  return { server: server!, clients };
}

describe('with telemetry on', () => {
  it('a chat call: a SERVER span for the request and a CLIENT span for the upstream call, with every GenAI attribute', async () => {
    const { data, response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', max_tokens: 64, messages: [{ role: 'user', content: `hello ${usageDirective}` }] })
      .withResponse();
    const { server, clients } = await traceOf(response.headers.get('x-sluice-request-id'));

    expect(server.name).toBe('POST /v1/chat/completions');
    expect(server.parentSpanId).toBe('');
    expect(server.resource['service.name']).toBe('sluice-under-test');
    expect(server.attributes).toMatchObject({
      'http.request.method': 'POST',
      'http.route': '/v1/chat/completions',
      'http.response.status_code': 200,
      'gen_ai.operation.name': 'chat',
      'gen_ai.request.model': 'gpt-4o-mini',
      'sluice.user': 'ada',
      'sluice.team': 'research',
      'sluice.attempts': 1,
      'sluice.cached': false,
      'sluice.fallback': false,
      'sluice.outcome': 'ok',
    });
    expect(server.attributes['sluice.key_id']).toMatch(/^key_[0-9A-Z]{26}$/);
    expect(server.attributes['sluice.cost_usd']).toBeGreaterThan(0);
    // What the upstream reported it billed (OpenRouter's usage.cost), beside Sluice's price.
    expect(server.attributes['sluice.billed_cost_usd']).toBe(0.0042);
    expect(server.attributes).not.toHaveProperty('sluice.group');
    expect(server.attributes).not.toHaveProperty('error.type');

    expect(clients).toHaveLength(1);
    const [client] = clients;
    expect(client!.name).toBe('chat gpt-4o-mini');
    expect(client!.kind).toBe(spanKind.client);
    expect(client!.traceId).toBe(server.traceId);
    expect(client!.statusCode).toBe(0);
    expect(client!.attributes).toEqual({
      'gen_ai.operation.name': 'chat',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.request.max_tokens': 64,
      'gen_ai.request.stream': false,
      'gen_ai.response.model': data.model,
      'gen_ai.response.id': data.id,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': data.usage!.prompt_tokens,
      'gen_ai.usage.output_tokens': data.usage!.completion_tokens,
      'gen_ai.usage.cache_read.input_tokens': 3,
      'gen_ai.usage.cache_creation.input_tokens': 0,
      'gen_ai.usage.cache_write.input_tokens': 0,
      'gen_ai.usage.reasoning.output_tokens': 4,
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'server.port': Number(new URL(harness.upstream.url).port),
      'sluice.target': 'openai:gpt-4o-mini',
    });
    // No content unless asked for: neither the prompt nor the answer left the gateway.
    const exported = JSON.stringify(receiver.spans);
    expect(exported).not.toContain('hello');
    expect(exported).not.toContain(data.choices[0]!.message.content!);
  });

  it('exports with the configured headers, and never a gateway key', async () => {
    await openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    await eventually(() => receiver.exportHeaders.length, (count) => count > 0);
    expect(receiver.exportHeaders.every((headers) => headers['x-collector-token'] === 'collector-secret')).toBe(true);
    expect(JSON.stringify(receiver.spans)).not.toContain(harness.token);
  });

  it('a streamed call: the response id, finish reason and usage come from the stream', async () => {
    const { data: stream, response } = await openai.chat.completions
      .create({
        model: 'gpt-4o-mini',
        stream: true,
        stream_options: { include_usage: true },
        messages: [{ role: 'user', content: `stream please ${usageDirective}` }],
      })
      .withResponse();
    const chunks = [];
    for await (const chunk of stream) chunks.push(chunk);
    const { server, clients } = await traceOf(response.headers.get('x-sluice-request-id'));
    const usage = chunks.at(-1)!.usage!;
    expect(server.attributes['sluice.stream']).toBe(true);
    expect(clients).toHaveLength(1);
    expect(clients[0]!.attributes).toMatchObject({
      'gen_ai.request.stream': true,
      'gen_ai.response.id': chunks[0]!.id,
      'gen_ai.response.model': chunks[0]!.model,
      'gen_ai.response.finish_reasons': ['stop'],
      'gen_ai.usage.input_tokens': usage.prompt_tokens,
      'gen_ai.usage.output_tokens': usage.completion_tokens,
      'gen_ai.usage.cache_read.input_tokens': 3,
      'gen_ai.usage.reasoning.output_tokens': 4,
    });
  });

  it('a Messages call translated to Gemini: the client span names Gemini and its model, the server span the Messages route', async () => {
    const { data, response } = await anthropic.messages
      .create({ model: 'gemini-2.5-flash', max_tokens: 100, messages: [{ role: 'user', content: 'translate me' }] })
      .withResponse();
    const { server, clients } = await traceOf(response.headers.get('x-sluice-request-id'));
    expect(server.name).toBe('POST /v1/messages');
    expect(server.attributes['gen_ai.request.model']).toBe('gemini-2.5-flash');
    expect(clients).toHaveLength(1);
    expect(clients[0]!.name).toBe('chat gemini-2.5-flash');
    expect(clients[0]!.attributes).toMatchObject({
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.model': 'gemini-2.5-flash',
      'gen_ai.request.max_tokens': 100,
      // Translated answers report the core model's reason: the upstream's own wording does not survive translation.
      'gen_ai.response.finish_reasons': ['end'],
      'gen_ai.usage.input_tokens': data.usage.input_tokens,
      'gen_ai.usage.output_tokens': data.usage.output_tokens,
    });
    // The upstream's own id (Gemini's responseId), which the caller's `msg_…` id is made from.
    const responseId = clients[0]!.attributes['gen_ai.response.id'] as string;
    expect(responseId.length).toBeGreaterThan(0);
    expect(data.id).toBe(`msg_${responseId}`);
  });

  it('a fallback: one CLIENT span per attempt, the failed one with error.type, the one that served with the usage', async () => {
    harness.upstream.enqueue({ status: 503 });
    const { response } = await openai.chat.completions
      .create({ model: 'resilient', messages: [{ role: 'user', content: `fail over ${usageDirective}` }] })
      .withResponse();
    const { server, clients } = await traceOf(response.headers.get('x-sluice-request-id'));
    expect(server.attributes).toMatchObject({ 'sluice.group': 'resilient', 'sluice.attempts': 2, 'sluice.fallback': true, 'gen_ai.request.model': 'resilient' });
    expect(clients.map((span) => span.name)).toEqual(['chat flaky-model', 'chat steady-model']);
    const [failed, served] = clients;
    expect(failed!.statusCode).toBe(2);
    expect(failed!.attributes).toMatchObject({ 'gen_ai.provider.name': 'openai', 'error.type': '503', 'http.response.status_code': 503 });
    expect(failed!.attributes).not.toHaveProperty('gen_ai.usage.input_tokens');
    expect(served!.statusCode).toBe(0);
    expect(served!.attributes).toMatchObject({
      'gen_ai.provider.name': 'anthropic',
      'gen_ai.request.model': 'steady-model',
      'gen_ai.usage.cache_read.input_tokens': 3,
      'gen_ai.usage.cache_creation.input_tokens': 2,
      'gen_ai.usage.cache_write.input_tokens': 2,
    });
    expect(served!.attributes).not.toHaveProperty('error.type');
  });

  it('a call whose upstream keeps failing: each attempt and the call say why in error.type', async () => {
    // A plain model is tried twice.
    harness.upstream.enqueue({ status: 500 });
    harness.upstream.enqueue({ status: 500 });
    const { response } = await openai.chat.completions
      .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'this fails' }] })
      .withResponse()
      .catch((error: InstanceType<typeof OpenAI.APIError>) => ({ response: { headers: error.headers! } }));
    const { server, clients } = await traceOf(response.headers.get('x-sluice-request-id'));
    expect(server.statusCode).toBe(2);
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 500, 'error.type': 'upstream_error', 'sluice.outcome': 'error' });
    expect(clients.map((span) => span.attributes['error.type'])).toEqual(['500', '500']);
    expect(clients.map((span) => span.statusCode)).toEqual([2, 2]);
  });

  it('a Gemini stream passed through: the route is the span name, the id and finish reason come from Gemini\'s own events', async () => {
    const response = await fetch(`${harness.url}/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-goog-api-key': harness.token },
      body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'stream natively' }] }] }),
    });
    const events = (await response.text())
      .split('\n')
      .filter((line) => line.startsWith('data: '))
      .map((line) => JSON.parse(line.slice(6)) as { responseId?: string; candidates?: Array<{ finishReason?: string }> });
    const { server, clients } = await traceOf(response.headers.get('x-sluice-request-id'));
    expect(server.name).toBe('POST /v1beta/models/*');
    expect(clients[0]!.attributes).toMatchObject({
      'gen_ai.provider.name': 'gcp.gemini',
      'gen_ai.request.stream': true,
      'gen_ai.response.id': events[0]!.responseId,
      'gen_ai.response.finish_reasons': [events.at(-1)!.candidates![0]!.finishReason],
    });
  });

  it('a caller that leaves mid-call: the attempt and the call end with client_closed_request', async () => {
    harness.upstream.enqueue({ hang: true });
    const abort = new AbortController();
    const call = openai.chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'I will leave' }] }, { signal: abort.signal });
    await eventually(() => harness.upstream.requests.length, (count) => count === 1);
    abort.abort();
    await expect(call).rejects.toThrow();
    const row = await eventually(
      async () => (await harness.usageRows()).at(-1),
      (last) => last?.outcome === 'cancelled',
    );
    const { server, clients } = await traceOf(row!.id);
    expect(server.attributes).toMatchObject({ 'http.response.status_code': 499, 'error.type': 'client_closed_request', 'sluice.outcome': 'cancelled' });
    expect(clients.map((span) => span.attributes['error.type'])).toEqual(['client_closed_request']);
  });

  it('a cache hit: a SERVER span with sluice.cached and no CLIENT span', async () => {
    const request = { model: 'gpt-4o-mini', messages: [{ role: 'user' as const, content: 'cache me' }] };
    const headers = { 'x-sluice-cache': 'true' };
    await openai.chat.completions.create(request, { headers });
    const { response } = await openai.chat.completions.create(request, { headers }).withResponse();
    expect(response.headers.get('x-sluice-cache')).toBe('HIT');
    const { server, clients } = await traceOf(response.headers.get('x-sluice-request-id'));
    expect(server.attributes).toMatchObject({ 'sluice.cached': true, 'sluice.attempts': 0, 'sluice.cost_usd': 0 });
    expect(clients).toEqual([]);
  });

  it("continues the caller's traceparent and sends the attempt's span upstream as the new parent", async () => {
    const traceId = '4bf92f3577b34da6a3ce929d0e0e4736';
    const callerSpanId = '00f067aa0ba902b7';
    const { response } = await openai.chat.completions
      .create(
        { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'traced' }] },
        { headers: { traceparent: `00-${traceId}-${callerSpanId}-01`, tracestate: 'vendor=opaque' } },
      )
      .withResponse();
    const { server, clients } = await traceOf(response.headers.get('x-sluice-request-id'));
    expect(server.traceId).toBe(traceId);
    expect(server.parentSpanId).toBe(callerSpanId);
    expect(clients[0]!.traceId).toBe(traceId);
    const sent = harness.upstream.requests.at(-1)!.headers;
    expect(sent.traceparent).toBe(`00-${traceId}-${clients[0]!.spanId}-01`);
    expect(sent.tracestate).toBe('vendor=opaque');
  });
});

describe('content capture', () => {
  let capturing: TestGateway;
  let capturingClient: OpenAI;
  beforeAll(async () => {
    capturing = await startTestGateway({ telemetry: { otlp: { endpoint: receiver.url, exportDelayMs: 20 }, captureContent: true } });
    capturingClient = new OpenAI({ apiKey: capturing.token, baseURL: `${capturing.url}/v1`, maxRetries: 0 });
  });
  afterAll(() => capturing.close());

  it('exports the prompt, the system instructions and the answer in the conventions\' message format', async () => {
    const { data, response } = await capturingClient.chat.completions
      .create({
        model: 'gpt-4o-mini',
        messages: [
          { role: 'system', content: 'Be brief.' },
          { role: 'user', content: 'What is a sluice?' },
        ],
      })
      .withResponse();
    const { clients } = await traceOf(response.headers.get('x-sluice-request-id'));
    const attributes = clients[0]!.attributes;
    expect(JSON.parse(attributes['gen_ai.system_instructions'] as string)).toEqual([{ type: 'text', content: 'Be brief.' }]);
    expect(JSON.parse(attributes['gen_ai.input.messages'] as string)).toEqual([{ role: 'user', parts: [{ type: 'text', content: 'What is a sluice?' }] }]);
    expect(JSON.parse(attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: data.choices[0]!.message.content }], finish_reason: 'stop' },
    ]);
  });

  it('exports a streamed answer, and cuts a long prompt to 16 KB of valid JSON', async () => {
    const long = 'x'.repeat(40_000);
    const { data: stream, response } = await capturingClient.chat.completions
      .create({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: long }] })
      .withResponse();
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    const { clients } = await traceOf(response.headers.get('x-sluice-request-id'));
    const input = clients[0]!.attributes['gen_ai.input.messages'] as string;
    expect(input.length).toBeLessThanOrEqual(16 * 1024);
    const [message] = JSON.parse(input) as Array<{ parts: Array<{ content: string }> }>;
    expect(message!.parts[0]!.content).toMatch(/^x{15000,}…\[truncated by sluice\]$/);
    expect(JSON.parse(clients[0]!.attributes['gen_ai.output.messages'] as string)).toEqual([
      { role: 'assistant', parts: [{ type: 'text', content: text }], finish_reason: 'stop' },
    ]);
  });
});

describe('sampling', () => {
  it("sampleRatio 0 keeps no trace of its own but still passes an unsampled traceparent on, and follows a caller's sampled one", async () => {
    const sampled = await startTestGateway({ telemetry: { otlp: { endpoint: receiver.url, exportDelayMs: 20 }, sampleRatio: 0 } });
    try {
      const client = new OpenAI({ apiKey: sampled.token, baseURL: `${sampled.url}/v1`, maxRetries: 0 });
      const messages = [{ role: 'user' as const, content: 'sample me' }];
      const { response: unsampled } = await client.chat.completions.create({ model: 'gpt-4o-mini', messages }).withResponse();
      expect(sampled.upstream.requests.at(-1)!.headers.traceparent).toMatch(/^00-[0-9a-f]{32}-[0-9a-f]{16}-00$/);
      const traceId = '0af7651916cd43dd8448eb211c80319c';
      const { response: followed } = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages }, { headers: { traceparent: `00-${traceId}-b7ad6b7169203331-01` } })
        .withResponse();
      const { server } = await traceOf(followed.headers.get('x-sluice-request-id'));
      expect(server.traceId).toBe(traceId);
      await sampled.gateway.services.tracing!.flush();
      expect(receiver.spans.some((span) => span.attributes['sluice.request_id'] === unsampled.headers.get('x-sluice-request-id'))).toBe(false);
    } finally {
      await sampled.close();
    }
  });
});

describe('with telemetry off', () => {
  it('nothing is created: no tracer, and an incoming traceparent is not forwarded (as before telemetry existed)', async () => {
    const plain = await startTestGateway();
    try {
      expect(plain.gateway.services.tracing).toBeNull();
      const client = new OpenAI({ apiKey: plain.token, baseURL: `${plain.url}/v1`, maxRetries: 0 });
      const { response } = await client.chat.completions
        .create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'untraced' }] }, { headers: { traceparent: '00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01' } })
        .withResponse();
      const requestId = response.headers.get('x-sluice-request-id');
      expect(plain.upstream.requests.at(-1)!.headers).not.toHaveProperty('traceparent');
      expect(receiver.spans.some((span) => span.attributes['sluice.request_id'] === requestId)).toBe(false);
    } finally {
      await plain.close();
    }
  });

  it('OTEL_EXPORTER_OTLP_ENDPOINT turns it on when the config names no endpoint, and the config wins over it', () => {
    expect(parseConfig({}, {}).telemetry.otlp.endpoint).toBeUndefined();
    expect(parseConfig({}, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).telemetry.otlp.endpoint).toBe('http://collector:4318');
    const configured = { telemetry: { otlp: { endpoint: 'http://mine:4318' } } };
    expect(parseConfig(configured, { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }).telemetry.otlp.endpoint).toBe('http://mine:4318');
  });
});
