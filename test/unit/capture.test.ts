import { randomBytes } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { describe, expect, it } from 'vitest';
import { capturableHeaders, capturablePath } from '../../src/capture/capturable-headers.js';
import { capturedExchangeOf, cutToBytes, sealPendingCaptures } from '../../src/capture/captured-exchange-of.js';
import { CapturePolicy } from '../../src/capture/capture-policy.js';
import { CaptureRecorder } from '../../src/capture/capture-recorder.js';
import type { PendingCapture } from '../../src/capture/pending-capture.js';
import { configuredRedactions, passesLuhn, Redactor } from '../../src/capture/redaction.js';
import { openCapture, sealCapture } from '../../src/capture/seal-capture.js';
import { parseConfig } from '../../src/config/load-config.js';
import { generateGatewayKey } from '../../src/keys/gateway-key.js';
import { SecretBox, SecretBoxError } from '../../src/keys/secret-box.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import type { UsageSink } from '../../src/usage/worker-usage-sink.js';
import { testUsageRow } from '../helpers/usage-rows.js';

const silentLogger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };

describe('redaction', () => {
  const redactor = new Redactor(configuredRedactions([{ name: 'ticket', pattern: 'TICKET-\\d+' }, { name: 'constructor', pattern: 'secret-word', ignoreCase: true }]));
  const cases: Array<[kind: string, text: string]> = [
    ['email', 'mail ada.lovelace+work@mail.example.co.uk now'],
    ['sluice_key', `key ${generateGatewayKey().token} here`],
    ['anthropic_key', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrStUvWx_yz-012'],
    ['openai_key', 'sk-proj-AbCdEfGhIjKlMnOpQrStUvWx0123'],
    ['openai_key', 'sk-AbCdEfGhIjKlMnOpQrStUvWx0123'],
    ['google_key', 'AIzaSyA1234567890abcdefghijklmnopqrstuv'],
    ['xai_key', 'xai-AbCdEfGhIjKlMnOpQrStUvWx0123'],
    ['card', 'card 4111 1111 1111 1111 exp'],
    ['card', 'card 5500-0000-0000-0004'],
    ['card', 'amex 378282246310005'],
    ['ticket', 'see TICKET-48213'],
    ['constructor', 'the SECRET-WORD'],
  ];

  it.each(cases)('%s: %s', (kind, text) => {
    const { text: redacted, counts } = redactor.redact(text);
    expect(redacted).toContain(`[REDACTED:${kind}]`);
    expect(counts[kind]).toBe(1);
    expect(Object.values(counts).reduce((total, count) => total + count, 0)).toBe(1);
  });

  it('keeps the bearer scheme and takes the token', () => {
    expect(redactor.redact('Authorization: Bearer abc.def-ghi_jkl').text).toBe('Authorization: Bearer [REDACTED:bearer]');
    expect(redactor.redact('bearer 0123456789abcdef').text).toBe('bearer [REDACTED:bearer]');
  });

  it('names a Sluice key as one, not as an OpenAI key', () => {
    const token = generateGatewayKey().token;
    expect(redactor.redact(`Bearer ${token}`).counts).toEqual({ sluice_key: 1 });
  });

  it('leaves numbers that are not cards, short keys and ordinary text', () => {
    for (const text of ['4111111111111112', 'id 1733500000000 ms', 'sk-short', 'hello world', 'price 12345678901234', 'a@b']) {
      expect(redactor.redact(text)).toEqual({ text, counts: {} });
    }
  });

  it('keeps a JSON body JSON', () => {
    const body = JSON.stringify({ messages: [{ role: 'user', content: 'mail bob@example.com key sk-AbCdEfGhIjKlMnOpQrStUvWx0123 card 4111111111111111' }] });
    const redacted = redactor.redact(body);
    expect(JSON.parse(redacted.text)).toEqual({ messages: [{ role: 'user', content: 'mail [REDACTED:email] key [REDACTED:openai_key] card [REDACTED:card]' }] });
    expect(redacted.counts).toEqual({ email: 1, openai_key: 1, card: 1 });
  });

  it('checks Luhn sums', () => {
    expect(passesLuhn('4111111111111111')).toBe(true);
    expect(passesLuhn('79927398713')).toBe(true);
    expect(passesLuhn('79927398710')).toBe(false);
    expect(passesLuhn('')).toBe(false);
  });

  it('refuses a configured pattern that is not a regular expression or matches nothing at all', () => {
    expect(() => parseConfig({ capture: { redact: [{ name: 'bad', pattern: '(' }] } }, {})).toThrow(/regular expression/);
    expect(() => parseConfig({ capture: { redact: [{ name: 'empty', pattern: 'x*' }] } }, {})).toThrow(/empty/);
    expect(() => parseConfig({ capture: { redact: [{ name: 'has space', pattern: 'x' }] } }, {})).toThrow();
  });
});

describe('sealing', () => {
  const box = new SecretBox(randomBytes(32));
  const exchange = capturedExchangeOf(pending({ requestId: 'req-1' }), row('req-1'), new Redactor());

  it('opens what it sealed, and carries the filter columns in the clear', () => {
    const sealed = sealCapture(box, exchange, 42);
    expect(sealed).toMatchObject({ requestId: 'req-1', keyId: 'key_1', teamName: 'research', requestedModel: 'mini', runId: 'run-1', tags: ['ci'], expiresAt: 42 });
    expect(sealed.bytes).toBe(sealed.sealed.length);
    expect(sealed.sealed).not.toContain('hello');
    expect(openCapture(box, sealed)).toEqual(exchange);
  });

  it('refuses a capture moved to another request id, or sealed under another master key', () => {
    const sealed = sealCapture(box, exchange, undefined);
    expect(() => openCapture(box, { ...sealed, requestId: 'req-2' })).toThrow(SecretBoxError);
    expect(() => openCapture(new SecretBox(randomBytes(32)), sealed)).toThrow(SecretBoxError);
  });

  it('seals the captures of a batch with their rows, and skips one whose row is not in the batch', () => {
    const sealed = sealPendingCaptures([pending({ requestId: 'a' }), pending({ requestId: 'missing' })], [row('a')], new Redactor(), box);
    expect(sealed.map((capture) => capture.requestId)).toEqual(['a']);
  });
});

describe('the exchange the writer builds', () => {
  it('redacts headers, path, body and answer, then cuts at maxBytes on a character boundary', () => {
    const built = capturedExchangeOf(
      pending({
        requestHeaders: { 'x-note': 'bob@example.com' },
        path: '/v1beta/models/x:generateContent?alt=sse',
        requestBody: `${'é'.repeat(40)} bob@example.com`,
        answer: new TextEncoder().encode('answer to bob@example.com'),
        maxBytes: 33,
      }),
      row('req-1'),
      new Redactor(),
    );
    expect(built.requestHeaders).toEqual({ 'x-note': '[REDACTED:email]' });
    expect(built.requestBody).toBe('é'.repeat(16));
    expect(built.requestTruncated).toBe(true);
    expect(built.answer).toBe('answer to [REDACTED:email]');
    expect(built.answerTruncated).toBe(false);
    expect(built.redactions).toEqual({ email: 3 });
  });

  it('cuts text to bytes', () => {
    expect(cutToBytes('abc', 3)).toEqual({ text: 'abc', cut: false });
    expect(cutToBytes('abcd', 3)).toEqual({ text: 'abc', cut: true });
    expect(cutToBytes('aé', 2)).toEqual({ text: 'a', cut: true });
    expect(cutToBytes('a😀b', 4)).toEqual({ text: 'a', cut: true });
    expect(cutToBytes('a😀b', 5)).toEqual({ text: 'a😀', cut: true });
  });
});

describe('what the request thread keeps', () => {
  it('drops credential headers and credential query values', () => {
    expect(
      capturableHeaders({
        authorization: 'Bearer x',
        'x-api-key': 'k',
        'x-goog-api-key': 'g',
        'proxy-authorization': 'p',
        cookie: 'c',
        'x-sluice-token': 't',
        'x-custom-provider-key': 'secret',
        'x-amz-security-token': 's',
        'content-type': 'application/json',
        'anthropic-beta': 'tools',
        'x-forwarded-for': ['1.1.1.1', '2.2.2.2'],
      }),
    ).toEqual({ 'content-type': 'application/json', 'anthropic-beta': 'tools', 'x-forwarded-for': '1.1.1.1, 2.2.2.2' });
    expect(capturablePath('/v1beta/models/g:streamGenerateContent?alt=sse&key=AIzaXYZ')).toBe('/v1beta/models/g:streamGenerateContent?alt=sse&key=[REDACTED:credential]');
    expect(capturablePath('/v1/messages?beta=true')).toBe('/v1/messages?beta=true');
  });

  it('taps the answer as written (strings and bytes), marks an event stream, and stops keeping past maxBytes plus the margin', () => {
    const written: unknown[] = [];
    const response = fakeResponse(written);
    const recorder = new CaptureRecorder('req-9', { method: 'POST', url: '/v1/chat/completions', headers: { authorization: 'Bearer x', 'content-type': 'application/json' }, rawBody: '{"a":1}' }, response, { sample: 1, retainDays: 2, maxBytes: 10 }, 1_000);
    response.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8' });
    expect(response.write('data: one\n\n')).toBe(true);
    response.write(Buffer.from('data: two\n\n'));
    response.end('x'.repeat(2_000));
    // The response itself got everything.
    expect(written).toEqual(['data: one\n\n', Buffer.from('data: two\n\n'), 'x'.repeat(2_000)]);
    const captured = recorder.finish(500);
    expect(captured).toMatchObject({ requestId: 'req-9', method: 'POST', path: '/v1/chat/completions', requestHeaders: { 'content-type': 'application/json' }, requestBody: '{"a":1}', requestCut: false, status: 200, stream: true, maxBytes: 10, expiresAt: 1_000 + 2 * 86_400_000, answerCut: true });
    expect(captured.answer.byteLength).toBe(10 + 1024);
    expect(Buffer.from(captured.answer).toString().startsWith('data: one\n\ndata: two\n\nxxx')).toBe(true);
    // Its own buffer: a copy to the writer thread carries these bytes and no more.
    expect(captured.answer.buffer.byteLength).toBe(captured.answer.byteLength);
  });

  it('takes the row status when nothing reached the caller', () => {
    const response = fakeResponse([]);
    const recorder = new CaptureRecorder('req-1', { method: 'POST', url: '/v1/messages', headers: {} }, response, { sample: 1, retainDays: 1, maxBytes: 100 }, 0);
    expect(recorder.finish(499)).toMatchObject({ status: 499, stream: false, answerCut: false, requestBody: '' });
  });
});

describe('the capture policy', () => {
  const config = parseConfig(
    { capture: { retainDays: 9, maxBytes: '1kb' }, groups: { watched: { capture: { sample: 0.5, retainDays: 2 }, targets: [{ model: 'openai:gpt-4o-mini' }] }, plain: { targets: [{ model: 'openai:gpt-4o-mini' }] } } },
    {},
  );

  it('samples with the injected draw: under the sample is kept, at or over it is not; asking always is', () => {
    let draw = 0;
    const policy = new CapturePolicy(config.capture, config.groups, () => draw);
    const settings = { sample: 0.25 };
    draw = 0.2499;
    expect(policy.sampled(settings, false)).toBe(true);
    draw = 0.25;
    expect(policy.sampled(settings, false)).toBe(false);
    expect(policy.sampled(settings, true)).toBe(true);
    draw = 0;
    expect(policy.sampled({ sample: 0 }, false)).toBe(false);
    draw = 0.999;
    expect(policy.sampled({ sample: 1 }, false)).toBe(true);
  });

  it("knows the groups' settings and fills in the defaults", () => {
    const policy = new CapturePolicy(config.capture, config.groups);
    expect(policy.groupSettings('watched')).toEqual({ sample: 0.5, retainDays: 2 });
    expect(policy.groupSettings('plain')).toBeUndefined();
    expect(policy.groupSettings(undefined)).toBeUndefined();
    expect(policy.resolve({ sample: 0.5, retainDays: 2 })).toEqual({ sample: 0.5, retainDays: 2, maxBytes: 1024 });
    expect(policy.resolve({ sample: 1 })).toEqual({ sample: 1, retainDays: 9, maxBytes: 1024 });
    expect(new CapturePolicy(parseConfig({}, {}).capture, {}).resolve({ sample: 1 })).toEqual({ sample: 1, retainDays: 14, maxBytes: 262_144 });
  });
});

describe('captures in the usage writer', () => {
  it('hands a captured row its capture, in the same batch, and forgets it once written', async () => {
    const batches: Array<{ rows: string[]; captures: string[] | undefined }> = [];
    const sink: UsageSink = {
      recordUsage: async (rows, captures) => {
        batches.push({ rows: rows.map((one) => one.id), captures: captures?.map((capture) => capture.requestId) });
      },
    };
    const writer = new UsageWriter({ sink, flushIntervalMs: 60_000, batchSize: 100, logger: silentLogger });
    writer.enqueue(row('plain'));
    writer.enqueue(row('captured'), pending({ requestId: 'captured' }));
    await writer.flush();
    writer.enqueue(row('later'));
    await writer.flush();
    await writer.close();
    expect(batches).toEqual([
      { rows: ['plain', 'captured'], captures: ['captured'] },
      { rows: ['later'], captures: undefined },
    ]);
  });

  it('never spools a capture: rows past the queue bound keep going, their captures are dropped and counted', async () => {
    const spooled: UsageRow[][] = [];
    const sink: UsageSink = { recordUsage: async () => Promise.reject(new Error('store down')) };
    const spool = { append: async (rows: UsageRow[]) => void spooled.push(rows), spooledRows: 0, droppedRows: 0 } as never;
    const writer = new UsageWriter({ sink, flushIntervalMs: 60_000, batchSize: 1, maxQueuedRows: 1, logger: silentLogger, spool });
    writer.enqueue(row('first'), pending({ requestId: 'first' }));
    writer.enqueue(row('second'), pending({ requestId: 'second' }));
    expect(spooled.flat().map((one) => one.id)).toEqual(['first']);
    expect(JSON.stringify(spooled)).not.toContain('hello');
    expect(writer.droppedCaptures).toBe(1);
  });
});

function pending(fields: Partial<PendingCapture> = {}): PendingCapture {
  return {
    requestId: 'req-1',
    method: 'POST',
    path: '/v1/chat/completions',
    requestHeaders: { 'content-type': 'application/json' },
    requestBody: '{"messages":[{"role":"user","content":"hello"}]}',
    requestCut: false,
    answer: new TextEncoder().encode('{"id":"x"}'),
    answerCut: false,
    status: 200,
    stream: false,
    maxBytes: 1_000,
    expiresAt: 10,
    ...fields,
  };
}

function row(id: string): UsageRow {
  return testUsageRow(id, { keyId: 'key_1', teamName: 'research', requestedModel: 'mini', runId: 'run-1', tags: ['ci'] });
}

/** Just enough of a ServerResponse for the recorder's tap: it records what it is given. */
function fakeResponse(written: unknown[]): ServerResponse {
  const response = {
    headersSent: false,
    statusCode: 200,
    getHeader: () => undefined,
    writeHead(status: number) {
      response.statusCode = status;
      response.headersSent = true;
      return response;
    },
    write(chunk: unknown) {
      written.push(chunk);
      return true;
    },
    end(chunk?: unknown) {
      if (chunk !== undefined) written.push(chunk);
      return response;
    },
  };
  return response as unknown as ServerResponse;
}
