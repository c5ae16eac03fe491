import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

let harness: TestGateway;
beforeAll(async () => {
  harness = await startTestGateway();
});
afterAll(() => harness.close());

interface RawAnswer {
  status: number;
  headers: Map<string, string>;
  body: string;
}

/** Writes `request` as is on a fresh socket and reads until the server closes it. */
function sendRaw(request: string | Buffer): Promise<RawAnswer> {
  const { port, hostname } = new URL(harness.url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (chunk: Buffer) => chunks.push(chunk));
    socket.on('error', reject);
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('latin1');
      const [head = '', ...rest] = text.split('\r\n\r\n');
      const [statusLine = '', ...headerLines] = head.split('\r\n');
      const headers = new Map<string, string>();
      for (const line of headerLines) {
        const colon = line.indexOf(':');
        headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
      }
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body: rest.join('\r\n\r\n') });
    });
    socket.write(request);
  });
}

const requestLine = 'POST /v1/chat/completions HTTP/1.1\r\nHost: gateway\r\n';

const malformed: ReadonlyArray<{ name: string; request: string; status: number; code: string }> = [
  { name: 'a bare CR in a header value', request: `${requestLine}X-Test: a\rb\r\nContent-Length: 2\r\n\r\n{}`, status: 400, code: 'invalid_http' },
  { name: 'a NUL in a header value', request: `${requestLine}X-Test: a\0b\r\nContent-Length: 2\r\n\r\n{}`, status: 400, code: 'invalid_http' },
  { name: 'an obs-fold continuation line', request: `${requestLine}X-Test: a\r\n folded\r\nContent-Length: 2\r\n\r\n{}`, status: 400, code: 'invalid_http' },
  { name: 'two Content-Lengths', request: `${requestLine}Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}`, status: 400, code: 'invalid_http' },
  { name: 'two equal Content-Lengths', request: `${requestLine}Content-Length: 2\r\nContent-Length: 2\r\n\r\n{}`, status: 400, code: 'invalid_http' },
  {
    name: 'Content-Length with Transfer-Encoding',
    request: `${requestLine}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n`,
    status: 400,
    code: 'invalid_http',
  },
  { name: 'a space before the header colon', request: `${requestLine}X-Test : a\r\nContent-Length: 2\r\n\r\n{}`, status: 400, code: 'invalid_http' },
  {
    name: 'headers larger than the server accepts',
    request: `${requestLine}X-Big: ${'a'.repeat(64 * 1024)}\r\nContent-Length: 2\r\n\r\n{}`,
    status: 431,
    code: 'headers_too_large',
  },
];

describe('requests the HTTP parser refuses', () => {
  it.each(malformed)('answers $name with $status $code in the OpenAI error shape and closes', async ({ request, status, code }) => {
    const answer = await sendRaw(request);
    expect(answer.status).toBe(status);
    expect(answer.headers.get('content-type')).toBe('application/json');
    expect(answer.headers.get('connection')).toBe('close');
    expect(answer.headers.get('x-sluice-request-id')).toMatch(/^[0-9A-HJKMNP-TV-Z]{26}$/);
    expect(answer.headers.get('x-should-retry')).toBe('false');
    expect(Number(answer.headers.get('content-length'))).toBe(Buffer.byteLength(answer.body));
    const body = JSON.parse(answer.body) as { error: Record<string, unknown> };
    expect(Object.keys(body.error).sort()).toEqual(['code', 'message', 'param', 'type']);
    expect(body.error).toMatchObject({ code, type: 'invalid_request_error', param: null });
    expect(body.error.message).toEqual(expect.stringMatching(/\S/));
  });

  it('still serves a well-formed request after refusing malformed ones', async () => {
    const body = JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi' }] });
    const answer = await sendRaw(
      `${requestLine}Authorization: Bearer ${harness.token}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`,
    );
    expect(answer.status).toBe(200);
  });
});
