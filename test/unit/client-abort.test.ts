import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { abortWhenClientLeaves, waitForDrain } from '../../src/server/proxy/client-abort.js';

let server: Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** Starts a server, sends one request from a raw socket that leaves at once, and hands the exchange over once it has closed. */
async function exchangeAfterClientLeft(): Promise<{ request: IncomingMessage; response: ServerResponse }> {
  const exchange = new Promise<{ request: IncomingMessage; response: ServerResponse }>((resolve) => {
    server = createServer((request, response) => {
      // The handler only looks once the caller has gone, like a handler that started late.
      response.once('close', () => resolve({ request, response }));
    });
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  const { port } = server!.address() as AddressInfo;
  const socket = connect(port, '127.0.0.1', () => {
    socket.write('POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n');
    setTimeout(() => socket.destroy(), 20);
  });
  socket.on('error', () => undefined);
  return exchange;
}

describe('abortWhenClientLeaves', () => {
  it('is raised at once for a caller that left before the handler looked', async () => {
    const { response } = await exchangeAfterClientLeft();
    const abort = abortWhenClientLeaves(response);
    expect(abort.aborted).toBe(true);
    // A relay waiting for room on that response must not wait forever.
    await expect(waitForDrain(response, abort)).rejects.toThrow(/closed the request/);
  });
});
