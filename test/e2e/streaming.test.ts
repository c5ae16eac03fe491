import diagnosticsChannel from 'node:diagnostics_channel';
import { request, type IncomingMessage, type ServerResponse } from 'node:http';
import OpenAI from 'openai';
import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { eventually, startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway();
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

/** Opens a raw streaming request and resolves once `bytes` of the answer have arrived. */
function openStream(path: string, body: unknown, headers: Record<string, string>) {
  let received = '';
  const chunks: string[] = [];
  const clientRequest = request(`${harness.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
  });
  const firstData = new Promise<void>((resolve, reject) => {
    clientRequest.on('response', (response) => {
      response.on('data', (chunk: Buffer) => {
        received += chunk.toString();
        chunks.push(chunk.toString());
        resolve();
      });
      response.on('error', () => undefined);
    });
    clientRequest.on('error', reject);
  });
  // The tests destroy the request on purpose; the resulting socket error is expected.
  clientRequest.on('error', () => undefined);
  firstData.catch(() => undefined);
  clientRequest.end(JSON.stringify(body));
  return { clientRequest, firstData, text: () => received, chunks };
}

describe('streaming', () => {
  it('forwards chunks as they arrive, not after the whole stream', async () => {
    harness.upstream.enqueue({ chunkDelayMs: 60, reply: 'one two three four five six' });
    const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'slowly' }],
    });
    const arrivals: number[] = [];
    for await (const chunk of stream) if (chunk.choices[0]?.delta.content) arrivals.push(performance.now());
    expect(arrivals.length).toBeGreaterThanOrEqual(6);
    // Spread over the upstream's pacing rather than arriving in one burst at the end.
    expect(arrivals.at(-1)! - arrivals[0]!).toBeGreaterThan(200);
  });

  it('aborts the upstream at once when the client disconnects, and records a cancelled row', async () => {
    harness.upstream.enqueue({ chunkDelayMs: 100, reply: 'a b c d e f g h i j k l m n o p q r s t u v w x y z' });
    const opened = openStream(
      '/v1/messages',
      { model: 'claude-haiku-4-5', max_tokens: 512, stream: true, messages: [{ role: 'user', content: 'long story' }] },
      { 'x-api-key': harness.token },
    );
    await opened.firstData;
    await eventually(() => opened.text(), (text) => text.includes('text_delta'));
    opened.clientRequest.destroy();
    await harness.upstream.waitForClientAbort(0, 2_000);
    const row = await eventually(
      () => harness.usageRows().then((rows) => rows.at(-1)),
      (last) => last?.outcome === 'cancelled',
    );
    expect(row).toMatchObject({ statusCode: 499, errorCode: 'client_closed_request', stream: true });
    // Anthropic states the prompt's size in message_start, long before the cut: the row has the reported count.
    const sent = harness.upstream.requests[0]!.sentUsage;
    expect(sent?.inputTokens).toBeGreaterThan(0);
    expect(row!.inputTokens).toBe(sent!.inputTokens);
    expect(row!.inputTokensEstimated).toBe(false);
    expect(row!.outputTokens).toBeGreaterThan(0);
    expect(row!.outputTokensEstimated).toBe(true);
  });

  it('aborts a hung upstream when the client gives up before any answer', async () => {
    harness.upstream.enqueue({ hang: true });
    const opened = openStream(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hang' }] },
      { authorization: `Bearer ${harness.token}` },
    );
    opened.clientRequest.on('error', () => undefined);
    await harness.upstream.waitForRequests(1);
    opened.clientRequest.destroy();
    await harness.upstream.waitForClientAbort(0, 2_000);
    const row = await eventually(
      () => harness.usageRows().then((rows) => rows.at(-1)),
      (last) => last?.outcome === 'cancelled',
    );
    expect(row).toMatchObject({ statusCode: 499, stream: false, inputTokensEstimated: true });
    expect(row!.inputTokens).toBe(Math.ceil('hang'.length / 4));
  });

  it('ends the stream with an error event in the caller shape when the upstream dies mid-stream', async () => {
    harness.upstream.enqueue({ dropAfterEvents: 4 });
    const client = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
    const stream = client.messages.stream({
      model: 'claude-haiku-4-5',
      max_tokens: 256,
      messages: [{ role: 'user', content: 'this will break' }],
    });
    const failure = await stream.finalMessage().catch((error: unknown) => error);
    expect(String(failure)).toMatch(/closed the stream|ended the stream/);
    const row = await eventually(
      () => harness.usageRows().then((rows) => rows.at(-1)),
      (last) => last?.outcome === 'error',
    );
    expect(row).toMatchObject({ statusCode: 502, errorCode: 'upstream_stream_interrupted', stream: true });

    harness.upstream.enqueue({ dropAfterEvents: 3 });
    const openAi = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const broken = await openAi.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'this breaks too' }],
    });
    await expect(
      (async () => {
        for await (const _chunk of broken) {
          // drain
        }
      })(),
    ).rejects.toThrow(/closed the stream|ended the stream/);
  });

  it('estimates output tokens when the provider sends no count', async () => {
    harness.upstream.enqueue({ omitUsage: true, reply: 'twelve characters long reply here' });
    const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: 'gpt-4o-mini',
      stream: true,
      messages: [{ role: 'user', content: 'no usage please' }],
    });
    for await (const _chunk of stream) {
      // drain
    }
    const row = (await harness.usageRows()).at(-1)!;
    expect(row.outputTokensEstimated).toBe(true);
    expect(row.outputTokens).toBe(Math.ceil('twelve characters long reply here'.length / 4));
  });

  it('holds back reading the upstream while the client does not read (backpressure)', async () => {
    // Tens of megabytes: more than every socket buffer between client, gateway and upstream can hold.
    const words = 200_000;
    harness.upstream.enqueue({ reply: Array.from({ length: words }, (_, index) => `w${index}`).join(' ') });
    // Gateway and fake upstream run in this process: their sides of the two exchanges show what each is doing.
    let gatewayResponse: ServerResponse | undefined;
    let upstreamResponse: ServerResponse | undefined;
    const onServerRequest = (message: unknown) => {
      const { request: incoming, response: outgoing, server } = message as { request: IncomingMessage; response: ServerResponse; server: unknown };
      if (incoming.url !== '/v1/chat/completions') return;
      if (server === harness.gateway.app.server) gatewayResponse = outgoing;
      else upstreamResponse = outgoing;
    };
    diagnosticsChannel.subscribe('http.server.request.start', onServerRequest);
    try {
      const clientRequest = request(`${harness.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.token}` },
      });
      const response = await new Promise<IncomingMessage>((resolve) => {
        clientRequest.on('response', resolve);
        clientRequest.end(JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'big' }] }));
      });
      response.pause();
      // The client reads nothing, so the buffers towards it fill up and the relay must stop and wait for them to
      // drain (reading no more from the upstream meanwhile). A relay that wrote on regardless, piling the answer
      // up in memory, never waits: this fails at its deadline. (Waiting a fixed time for the upstream to finish
      // could not tell: on a busy machine it takes longer than any such wait to write tens of megabytes.)
      await vi.waitFor(() => expect(gatewayResponse?.listenerCount('drain')).toBeGreaterThan(0), { timeout: 10_000, interval: 20 });
      expect(upstreamResponse?.writableFinished).toBe(false);
      expect(harness.upstream.requests[0]!.completed).toBe(false);
      let total = 0;
      response.on('data', (chunk: Buffer) => (total += chunk.length));
      response.resume();
      await new Promise((resolve) => response.on('end', resolve));
      expect(harness.upstream.requests[0]!.completed).toBe(true);
      const row = await eventually(
        () => harness.usageRows().then((rows) => rows.at(-1)),
        (last) => last?.outcome === 'ok' && last.stream,
      );
      expect(row!.outputTokens).toBe(words);
      expect(total).toBeGreaterThan(words * 100);
    } finally {
      diagnosticsChannel.unsubscribe('http.server.request.start', onServerRequest);
    }
  });
});
