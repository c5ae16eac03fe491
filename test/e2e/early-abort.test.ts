import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Callers that give up within milliseconds of sending: before the body is complete, right after it, while
 * the upstream is being asked. However early a call ends, an authenticated model call leaves exactly one row.
 */
let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway();
});
afterAll(() => harness.close());

const bodies = [
  JSON.stringify({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'hi [[mock {"delayMs":20}]]' }] }),
  JSON.stringify({ model: 'claude-haiku-4-5', stream: true, messages: [{ role: 'user', content: 'hi [[mock {"chunkDelayMs":5}]]' }] }),
  JSON.stringify({ model: 'gpt-4o-mini', stream: true, messages: [{ role: 'user', content: 'hi [[mock {"chunkDelayMs":5}]]' }] }),
];

/** Sends a request over a raw socket and destroys it at a chosen moment. */
function sendAndAbort(token: string, options: { body: string; bodyBytes: number; abortAfterMs: number }): Promise<void> {
  const { body } = options;
  const address = new URL(harness.url);
  return new Promise((resolve) => {
    const socket = connect(Number(address.port), address.hostname, () => {
      socket.write(
        `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
          `Content-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n` +
          body.slice(0, options.bodyBytes),
      );
      if (options.abortAfterMs === 0) socket.destroy();
      else setTimeout(() => socket.destroy(), options.abortAfterMs);
    });
    socket.on('close', () => resolve());
    socket.on('error', () => undefined);
  });
}

describe('callers that abort early', () => {
  it('every authenticated call leaves exactly one row, whatever the moment it was cut', async () => {
    const token = await harness.issueKey({ name: 'early-abort' });
    const keyId = (await harness.gateway.services.store.listKeys()).find((key) => key.name === 'early-abort')!.id;
    const moments: Array<{ body: string; bodyBytes: number; abortAfterMs: number }> = [];
    for (const abortAfterMs of [0, 1, 2, 3, 5, 8, 10, 15, 25]) {
      for (const body of bodies) {
        for (const bodyBytes of [0, 10, body.length]) moments.push({ body, bodyBytes, abortAfterMs });
      }
    }
    const rounds = 10;
    for (let round = 0; round < rounds; round++) {
      await Promise.all(moments.map((moment) => sendAndAbort(token, moment)));
    }
    const expected = moments.length * rounds;
    await expect
      .poll(async () => (await harness.usageRows()).filter((row) => row.keyId === keyId).length, { timeout: 10_000, interval: 100 })
      .toBe(expected);
    const rows = (await harness.usageRows()).filter((row) => row.keyId === keyId);
    expect(new Set(rows.map((row) => row.id)).size).toBe(expected);
    // A body cut short never became a call: refused or cancelled, never "ok".
    for (const row of rows.filter((row) => row.requestedModel === null)) expect(['cancelled', 'error']).toContain(row.outcome);
  });
});
