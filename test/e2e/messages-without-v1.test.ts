import Anthropic from '@anthropic-ai/sdk';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * `POST /messages` and `/messages/count_tokens` (issue 8, item 16): clients written for a base URL that
 * already ends in /v1 append only `/messages` to Sluice's Anthropic base URL. They are the Anthropic
 * Messages routes under a shorter path, provider-pinned ones included.
 */

let harness: TestGateway;
let client: Anthropic;

beforeAll(async () => {
  harness = await startTestGateway();
  client = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const request = { model: 'claude-haiku-4-5', max_tokens: 64, messages: [{ role: 'user', content: 'Hello without v1' }] };

const post = (path: string, body: unknown) =>
  fetch(`${harness.url}${path}`, {
    method: 'POST',
    headers: { 'x-api-key': harness.token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });

describe('the Anthropic Messages API without /v1', () => {
  it('POST /messages answers like /v1/messages, from the same upstream call, with a usage row', async () => {
    const response = await post('/messages', request);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-sluice-provider')).toBe('anthropic');
    const message = (await response.json()) as { type: string; content: Array<{ type: string }> };
    expect(message).toMatchObject({ type: 'message', content: [{ type: 'text' }] });
    expect(harness.upstream.requests.map((received) => received.path)).toEqual(['/v1/messages']);
    const row = (await harness.usageRows()).at(-1)!;
    expect(row).toMatchObject({ id: response.headers.get('x-sluice-request-id'), inboundDialect: 'anthropic-messages', provider: 'anthropic', statusCode: 200, outcome: 'ok' });
  });

  it('the Anthropic SDK reads /messages answers, streamed and not', async () => {
    const message = await client.post<Anthropic.Message>('/messages', { body: request });
    expect(message).toMatchObject({ type: 'message', role: 'assistant', content: [{ type: 'text' }] });
    const stream = await client.post<Anthropic.MessageStreamEvent>('/messages', { body: { ...request, stream: true }, stream: true });
    const types: string[] = [];
    for await (const event of stream as unknown as AsyncIterable<Anthropic.MessageStreamEvent>) types.push(event.type);
    expect(types[0]).toBe('message_start');
    expect(types).toContain('content_block_delta');
    expect(types.at(-1)).toBe('message_stop');
  });

  it('/anthropic/messages pins the provider like /anthropic/v1/messages', async () => {
    const response = await post('/anthropic/messages', request);
    expect(response.status).toBe(200);
    expect(response.headers.get('x-sluice-provider')).toBe('anthropic');
    // A pinned provider that does not know the model is still a 404 in Anthropic's shape, as on /v1.
    const unknownPin = await post('/nosuchprovider/messages', request);
    expect(unknownPin.status).toBe(404);
    expect(await unknownPin.json()).toMatchObject({ type: 'error', error: { type: 'not_found_error' } });
  });

  it('POST /messages/count_tokens asks Anthropic for its models and estimates for others', async () => {
    const counted = await post('/messages/count_tokens', { model: request.model, messages: request.messages });
    expect(counted.status).toBe(200);
    expect(await counted.json()).toMatchObject({ input_tokens: expect.any(Number) });
    expect(harness.upstream.requests.map((received) => received.path)).toEqual(['/v1/messages/count_tokens']);
    const estimated = await post('/messages/count_tokens', { model: 'gpt-4o-mini', messages: request.messages });
    expect(estimated.status).toBe(200);
    expect(estimated.headers.get('x-sluice-token-estimate')).toBe('true');
    const pinned = await post('/anthropic/messages/count_tokens', { model: request.model, messages: request.messages });
    expect(pinned.status).toBe(200);
    expect(harness.upstream.requests).toHaveLength(2);
  });

  it('GET /messages is a 405 naming POST, in Anthropic shape', async () => {
    const response = await fetch(`${harness.url}/messages`, { headers: { 'x-api-key': harness.token } });
    expect(response.status).toBe(405);
    expect(response.headers.get('allow')).toBe('POST');
    expect(await response.json()).toMatchObject({ type: 'error' });
  });
});
