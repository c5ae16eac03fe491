import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { dialects } from '../../src/dialects/dialects.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { writeGatewayError } from '../../src/server/proxy/write-gateway-error.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Serves one answer written by `write`, and returns what a client saw (or that it saw the connection end). */
async function answerWith(write: Parameters<typeof createServer>[1]): Promise<{ status: number; body: string } | 'closed'> {
  server = createServer(write);
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(3_000) });
    return { status: response.status, body: await response.text() };
  } catch (error) {
    if (error instanceof Error && error.name === 'TimeoutError') throw error;
    return 'closed';
  }
}

describe('writeGatewayError never leaves an exchange hanging', () => {
  const error = new GatewayError('model_not_found', 'No such model.', { param: 'model' });

  it('writes the error in the dialect envelope', async () => {
    const seen = await answerWith((_request, response) => writeGatewayError(response, dialects['openai-chat'], error, 'req_1'));
    expect(seen).toMatchObject({ status: 404 });
    expect(JSON.parse((seen as { body: string }).body)).toMatchObject({ error: { code: 'model_not_found', param: 'model' } });
  });

  it('falls back to an in-shape 500 when a header value cannot be written', async () => {
    const seen = await answerWith((_request, response) =>
      writeGatewayError(response, dialects['anthropic-messages'], error, 'req_2', { 'x-sluice-model': 'gpt-☺' }),
    );
    expect(seen).toMatchObject({ status: 500 });
    expect(JSON.parse((seen as { body: string }).body)).toMatchObject({ type: 'error', error: { type: 'api_error' } });
  });

  it('ends an answer whose head was already sent instead of throwing', async () => {
    const seen = await answerWith((_request, response) => {
      response.writeHead(200, { 'content-type': 'text/plain' });
      response.write('partial');
      writeGatewayError(response, dialects['openai-chat'], error, 'req_3');
    });
    expect(seen).toEqual({ status: 200, body: 'partial' });
  });
});
