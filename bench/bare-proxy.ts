import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { pipeline } from 'node:stream/promises';
import { Agent, request } from 'undici';

/**
 * The floor for a Node gateway: forwards method, path, body and the few headers that matter to one
 * upstream through a keep-alive undici Agent and pipes the answer back as it comes. No auth, no parsing,
 * no accounting.
 *
 * The request body is read whole before forwarding, as any gateway that routes by model must: measured
 * here, streaming it into undici instead cost ~30 µs more CPU per call and several ms of p99, which
 * would make the floor too easy to beat. Content-length is passed through both ways so neither hop pays
 * for chunked framing that a real gateway (which knows its body sizes) would not.
 */
const upstream = process.argv[2];
if (!upstream) throw new Error('usage: bare-proxy <upstream-url>');
const agent = new Agent({ connections: 256, keepAliveTimeout: 30_000 });
const forwardedRequestHeaders = ['content-type', 'content-length', 'authorization', 'x-api-key', 'anthropic-version'];
const forwardedResponseHeaders = ['content-type', 'content-length'];

const server = createServer({ keepAliveTimeout: 75_000 }, (clientRequest, clientResponse) => {
  forward(clientRequest, clientResponse).catch(() => {
    if (!clientResponse.headersSent) clientResponse.writeHead(502);
    clientResponse.end();
  });
});

async function forward(clientRequest: IncomingMessage, clientResponse: ServerResponse): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of clientRequest) chunks.push(chunk as Buffer);
  const answer = await request(upstream + (clientRequest.url ?? '/'), {
    dispatcher: agent,
    method: clientRequest.method as 'POST',
    headers: pick(clientRequest.headers, forwardedRequestHeaders),
    body: Buffer.concat(chunks),
  });
  clientResponse.writeHead(answer.statusCode, pick(answer.headers, forwardedResponseHeaders));
  await pipeline(answer.body, clientResponse);
}

function pick(headers: Record<string, string | string[] | undefined>, names: string[]): Record<string, string> {
  const picked: Record<string, string> = {};
  for (const name of names) {
    const value = headers[name];
    if (typeof value === 'string') picked[name] = value;
  }
  return picked;
}

server.listen(0, '127.0.0.1', () => {
  process.stdout.write(`listening http://127.0.0.1:${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => process.exit(0));
