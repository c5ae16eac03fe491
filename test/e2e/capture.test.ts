import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CaptureJson } from '../../src/capture/capture-json.js';
import { generateGatewayKey } from '../../src/keys/gateway-key.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

// Issue 22 §2: governed content capture, end to end through the official SDKs, on the SQLite store (the
// store contract runs on both backends in test/contract/capture-store.test.ts).
let harness: TestGateway;
let adminToken: string;
/** What the next sampling draw returns: the gateway's `random` reads it. */
let draw = 0.5;

const messages = [{ role: 'user' as const, content: 'hello' }];
const openaiWith = (token: string, headers: Record<string, string> = {}) =>
  new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0, defaultHeaders: headers });
const anthropicWith = (token: string, headers: Record<string, string> = {}) =>
  new Anthropic({ apiKey: token, baseURL: harness.url, maxRetries: 0, defaultHeaders: headers });
const operatorFetch = (token: string, method: string, path: string, body?: unknown) =>
  fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

/** The capture of a request as the admin API answers it, after the writer has stored the batch. */
async function captureOf(requestId: string | null): Promise<{ status: number; body: CaptureJson }> {
  expect(requestId).toBeTruthy();
  await harness.gateway.services.usageWriter.flush();
  const answer = await operatorFetch(adminToken, 'GET', `/admin/captures/${requestId}`);
  return { status: answer.status, body: (await answer.json()) as CaptureJson };
}

/** A chat call sent by hand, so the test holds the exact bytes the caller got. */
async function rawChat(token: string, body: Record<string, unknown>, headers: Record<string, string> = {}) {
  const answer = await fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  return { status: answer.status, id: answer.headers.get('x-sluice-request-id'), text: await answer.text(), sent: JSON.stringify(body) };
}

beforeAll(async () => {
  harness = await startTestGateway(
    {
      capture: { retainDays: 14, maxBytes: 262_144, redact: [{ name: 'ticket', pattern: 'TICKET-\\d+' }] },
      groups: {
        'captured-group': { capture: { sample: 1, retainDays: 3 }, targets: [{ model: 'openai:gpt-4o-mini' }] },
        'quiet-group': { targets: [{ model: 'openai:gpt-4o-mini' }] },
      },
    },
    { random: () => draw },
  );
  adminToken = await harness.issueKey({ name: 'boss', role: 'admin' });
});
afterAll(() => harness.close());

describe('off by default', () => {
  it('keeps nothing for a key, team and group without capture settings, and says 404', async () => {
    const answer = await openaiWith(harness.token).chat.completions.create({ model: 'mini', messages }).withResponse();
    const id = answer.response.headers.get('x-sluice-request-id');
    const capture = await captureOf(id);
    expect(capture.status).toBe(404);
    expect(capture.body).toMatchObject({ error: { code: 'capture_not_found' } });
    expect(await harness.gateway.services.store.findCapture(id!)).toBeUndefined();
  });

  it('refuses x-sluice-capture: true from a key not allowed to capture (403, in the caller shape), and a bad value (400)', async () => {
    const refused = await openaiWith(harness.token, { 'x-sluice-capture': 'true' })
      .chat.completions.create({ model: 'mini', messages })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.PermissionDeniedError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).code).toBe('capture_not_allowed');
    const anthropicRefused = await anthropicWith(harness.token, { 'x-sluice-capture': 'true' })
      .messages.create({ model: 'haiku', max_tokens: 16, messages })
      .catch((error: unknown) => error);
    expect(anthropicRefused).toBeInstanceOf(Anthropic.PermissionDeniedError);
    const bad = await rawChat(harness.token, { model: 'mini', messages }, { 'x-sluice-capture': 'maybe' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text)).toMatchObject({ error: { param: 'x-sluice-capture' } });
    // `false` asks for nothing, and is not refused.
    expect((await rawChat(harness.token, { model: 'mini', messages }, { 'x-sluice-capture': 'false' })).status).toBe(200);
  });
});

describe('what is captured', () => {
  let capturing: string;
  beforeAll(async () => {
    capturing = await harness.issueKey({ name: 'capturing', teamName: 'research', capture: { sample: 1 } });
  });

  it('a whole chat answer: the request as sent (credentials removed), the answer byte for byte, linked to the row', async () => {
    const sent = await rawChat(capturing, { model: 'mini', messages, temperature: 0.2 }, { 'x-api-key': capturing, 'x-sluice-tags': 'ci,nightly', 'x-sluice-run': 'run-1', cookie: 'a=b' });
    expect(sent.status).toBe(200);
    const { status, body } = await captureOf(sent.id);
    expect(status).toBe(200);
    const row = (await harness.usageRows()).find((candidate) => candidate.id === sent.id)!;
    expect(body).toMatchObject({
      request_id: sent.id,
      created_at: new Date(row.createdAt).toISOString(),
      key_id: row.keyId,
      team: 'research',
      user: null,
      model: 'mini',
      run: 'run-1',
      trial: null,
      tags: ['ci', 'nightly', 'run:run-1'].filter((tag) => row.tags.includes(tag)),
      dialect: 'openai-chat',
      method: 'POST',
      path: '/v1/chat/completions',
      request: { body: sent.sent },
      response: { status: 200, stream: false, body: sent.text },
      request_truncated: false,
      answer_truncated: false,
      redactions: {},
    });
    expect(body.tags).toEqual(row.tags);
    expect(Object.keys(body.request.headers)).toContain('content-type');
    expect(body.request.headers['x-sluice-tags']).toBe('ci,nightly');
    for (const credential of ['authorization', 'x-api-key', 'cookie']) expect(body.request.headers).not.toHaveProperty(credential);
    expect(JSON.stringify(body)).not.toContain(capturing);
  });

  it('a chat stream: the events exactly as the caller got them', async () => {
    const sent = await rawChat(capturing, { model: 'mini', messages, stream: true });
    expect(sent.text).toContain('data: [DONE]');
    const { body } = await captureOf(sent.id);
    expect(body.response).toEqual({ status: 200, stream: true, body: sent.text });
  });

  it('Messages, whole and streamed, through the Anthropic SDK', async () => {
    const client = anthropicWith(capturing);
    const whole = await client.messages.create({ model: 'haiku', max_tokens: 32, messages }).withResponse();
    const wholeCapture = (await captureOf(whole.response.headers.get('x-sluice-request-id'))).body;
    expect(wholeCapture).toMatchObject({ dialect: 'anthropic-messages', path: '/v1/messages', response: { status: 200, stream: false } });
    expect(JSON.parse(wholeCapture.response.body)).toEqual(whole.data);
    expect(JSON.parse(wholeCapture.request.body)).toEqual({ model: 'haiku', max_tokens: 32, messages });
    expect(wholeCapture.request.headers).toHaveProperty('anthropic-version');
    expect(wholeCapture.request.headers).not.toHaveProperty('x-api-key');

    const stream = client.messages.stream({ model: 'haiku', max_tokens: 32, messages });
    const final = await stream.finalMessage();
    const streamCapture = (await captureOf((await stream.withResponse()).response.headers.get('x-sluice-request-id'))).body;
    expect(streamCapture.response.stream).toBe(true);
    expect(streamCapture.response.body).toContain('event: message_start');
    expect(streamCapture.response.body).toContain('event: message_stop');
    const text = final.content.map((block) => (block.type === 'text' ? block.text : '')).join('');
    expect(text.length).toBeGreaterThan(0);
    // Every piece of the streamed text is in the captured events.
    for (const line of streamCapture.response.body.split('\n').filter((event) => event.startsWith('data: ') && event.includes('text_delta'))) {
      expect(text).toContain((JSON.parse(line.slice(6)) as { delta: { text: string } }).delta.text);
    }
  });

  it('Responses, whole and streamed, through the OpenAI SDK', async () => {
    const client = openaiWith(capturing);
    const whole = await client.responses.create({ model: 'mini', input: 'hello' }).withResponse();
    const wholeCapture = (await captureOf(whole.response.headers.get('x-sluice-request-id'))).body;
    expect(wholeCapture).toMatchObject({ dialect: 'openai-responses', path: '/v1/responses', response: { stream: false } });
    expect(JSON.parse(wholeCapture.response.body)).toMatchObject({ id: whole.data.id, output: JSON.parse(JSON.stringify(whole.data.output)) });

    const streamed = await client.responses.create({ model: 'mini', input: 'hello', stream: true }).withResponse();
    for await (const _event of streamed.data) {
      // drained
    }
    const streamCapture = (await captureOf(streamed.response.headers.get('x-sluice-request-id'))).body;
    expect(streamCapture.response).toMatchObject({ status: 200, stream: true });
    expect(streamCapture.response.body).toContain('response.completed');
  });

  it('an upstream error, as the caller got it', async () => {
    const sent = await rawChat(capturing, { model: 'mini', messages: [{ role: 'user', content: '[[mock {"status": 400}]] hello' }] });
    expect(sent.status).toBe(400);
    const { body } = await captureOf(sent.id);
    expect(body.response).toEqual({ status: 400, stream: false, body: sent.text });
  });

  it('cuts the request and the answer at maxBytes and says so', async () => {
    const small = await harness.issueKey({ name: 'small-captures', capture: { sample: 1, maxBytes: 64 } });
    const sent = await rawChat(small, { model: 'mini', messages: [{ role: 'user', content: 'x'.repeat(500) }] });
    const { body } = await captureOf(sent.id);
    expect(body).toMatchObject({ request_truncated: true, answer_truncated: true });
    expect(Buffer.byteLength(body.request.body)).toBeLessThanOrEqual(64);
    expect(body.request.body).toBe(sent.sent.slice(0, body.request.body.length));
    expect(body.response.body).toBe(sent.text.slice(0, body.response.body.length));
    expect(body.response.body.length).toBeGreaterThan(0);
  });
});

describe('who captures, and sampling', () => {
  it('samples a key at its rate with the injected draw', async () => {
    const half = await harness.issueKey({ name: 'half', capture: { sample: 0.5 } });
    draw = 0.7;
    const skipped = await rawChat(half, { model: 'mini', messages });
    draw = 0.2;
    const kept = await rawChat(half, { model: 'mini', messages });
    draw = 0.5;
    expect((await captureOf(skipped.id)).status).toBe(404);
    expect((await captureOf(kept.id)).status).toBe(200);
  });

  it('sample 0: only calls that ask are kept', async () => {
    const asking = await harness.issueKey({ name: 'asking', capture: { sample: 0 } });
    draw = 0;
    const quiet = await rawChat(asking, { model: 'mini', messages });
    const asked = await rawChat(asking, { model: 'mini', messages }, { 'x-sluice-capture': 'true', 'x-sluice-run': 'eval-9' });
    draw = 0.5;
    expect((await captureOf(quiet.id)).status).toBe(404);
    expect((await captureOf(asked.id)).body).toMatchObject({ run: 'eval-9', request: { body: asked.sent } });
  });

  it("a team's settings (admin API) apply to its keys; a key's own settings win", async () => {
    const team = await operatorFetch(adminToken, 'PUT', '/admin/teams/watched', { capture: { sample: 1, retainDays: 7 } });
    expect(team.status).toBe(200);
    expect(await team.json()).toMatchObject({ name: 'watched', capture: { sample: 1, retainDays: 7 } });
    const member = await harness.issueKey({ name: 'member', teamName: 'watched' });
    const optedOut = await operatorFetch(adminToken, 'POST', '/admin/keys', { name: 'opted-out', teamName: 'watched', capture: 0 });
    expect(optedOut.status).toBe(201);
    const optedOutBody = (await optedOut.json()) as { token: string; key: { capture: unknown } };
    expect(optedOutBody.key.capture).toEqual({ sample: 0 });
    const fromMember = await rawChat(member, { model: 'mini', messages });
    const fromOptedOut = await rawChat(optedOutBody.token, { model: 'mini', messages });
    const memberCapture = await captureOf(fromMember.id);
    expect(memberCapture.status).toBe(200);
    expect((await captureOf(fromOptedOut.id)).status).toBe(404);
    // Kept for the team's 7 days, not the config's 14.
    const sealed = await harness.gateway.services.store.findCapture(fromMember.id!);
    expect(sealed!.expiresAt! - sealed!.createdAt).toBe(7 * 86_400_000);

    // PATCH turns a key's capture off again (null: its team's apply).
    const patched = await operatorFetch(adminToken, 'PATCH', '/admin/keys/opted-out', { capture: null });
    expect(((await patched.json()) as { capture: unknown }).capture).toBeNull();
  });

  it("a group's settings apply to its calls from any key; another group's calls are not kept", async () => {
    const grouped = await rawChat(harness.token, { model: 'captured-group', messages });
    const other = await rawChat(harness.token, { model: 'quiet-group', messages });
    const { body } = await captureOf(grouped.id);
    expect(body).toMatchObject({ model: 'captured-group', key_id: expect.any(String) });
    expect((await captureOf(other.id)).status).toBe(404);
    const sealed = await harness.gateway.services.store.findCapture(grouped.id!);
    expect(sealed!.expiresAt! - sealed!.createdAt).toBe(3 * 86_400_000);
  });
});

describe('redaction and encryption at rest', () => {
  const sluiceKey = generateGatewayKey().token;
  // The card and the e-mail first: the mock repeats only the first 200 characters of the prompt.
  const secrets = {
    card: '4111 1111 1111 1111',
    email: 'ada.lovelace@example.org',
    openai_key: 'sk-proj-abcdefghijklmnopqrstuvwx0123',
    anthropic_key: 'sk-ant-api03-abcdefghijklmnopqrstuvwxyz0123',
    google_key: 'AIzaSyA1234567890abcdefghijklmnopqrstuv',
    xai_key: 'xai-abcdefghijklmnopqrstuvwxyz012345',
    sluice_key: sluiceKey,
    bearer: 'Bearer eyJhbGciOiJIUzI1NiJ9.payload.signature',
    ticket: 'TICKET-48213',
  };
  const marker = 'zebra-quartz-capture-marker';

  it('replaces every pattern by a typed placeholder, in the body, the answer and the headers, and counts them', async () => {
    const key = await harness.issueKey({ name: 'redacted', capture: { sample: 1 } });
    const content = `${marker} ${Object.values(secrets).join(' | ')} | not a card 4111111111111112 | time 1733500000000`;
    const sent = await rawChat(key, { model: 'mini', messages: [{ role: 'user', content }] }, { 'x-note': `from ${secrets.email}` });
    const { body } = await captureOf(sent.id);
    const stored = JSON.stringify(body);
    for (const [kind, secret] of Object.entries(secrets)) {
      const hidden = kind === 'bearer' ? secret.slice('Bearer '.length) : secret;
      expect(stored, kind).not.toContain(hidden);
      expect(body.request.body, kind).toContain(`[REDACTED:${kind}]`);
    }
    expect(body.request.body).toContain('Bearer [REDACTED:bearer]');
    // Not a card (the Luhn check fails), not a card (an epoch in milliseconds): left alone.
    expect(body.request.body).toContain('4111111111111112');
    expect(body.request.body).toContain('1733500000000');
    expect(body.request.headers['x-note']).toBe('from [REDACTED:email]');
    // The mock repeats the prompt, so the answer held them too. The body stays JSON.
    expect(body.response.body).toContain('[REDACTED:card] | [REDACTED:email]');
    expect(JSON.parse(body.request.body)).toMatchObject({ model: 'mini' });
    for (const kind of Object.keys(secrets)) expect(body.redactions[kind], kind).toBeGreaterThanOrEqual(1);
    expect(body.redactions.email).toBe(3);
    expect(body.request.body).toContain(marker);
  });

  it('leaves no captured text in the SQLite files (database and write-ahead log)', async () => {
    await harness.gateway.services.usageWriter.flush();
    const files = (await readdir(harness.dataDir)).filter((name) => name.startsWith('sluice.db'));
    expect(files).toContain('sluice.db');
    let searched = 0;
    for (const name of files) {
      const bytes = await readFile(join(harness.dataDir, name));
      searched += bytes.length;
      expect(bytes.includes(marker), name).toBe(false);
      expect(bytes.includes('REDACTED'), name).toBe(false);
      expect(bytes.includes('Hello from the Sluice mock upstream'), name).toBe(false);
    }
    expect(searched).toBeGreaterThan(0);
    // And the captures are there, sealed: one opens to the marker.
    const stored = await harness.gateway.services.store.listCaptures({}, { limit: 1_000 });
    expect(stored.length).toBeGreaterThan(5);
    expect(stored.every((capture) => capture.sealed.startsWith('v1.') && !capture.sealed.includes(marker))).toBe(true);
  });
});

describe('who may read captures', () => {
  it('admin keys only: analytics and ordinary keys get 403, no key 401', async () => {
    const key = await harness.issueKey({ name: 'read-check', capture: { sample: 1 } });
    const sent = await rawChat(key, { model: 'mini', messages });
    expect((await captureOf(sent.id)).status).toBe(200);
    const analytics = await harness.issueKey({ name: 'analyst', role: 'analytics' });
    for (const token of [analytics, harness.token, key]) {
      const refused = await operatorFetch(token, 'GET', `/admin/captures/${sent.id}`);
      expect(refused.status).toBe(403);
      expect(JSON.stringify(await refused.json())).not.toContain('Hello from the Sluice mock upstream');
    }
    expect((await fetch(`${harness.url}/admin/captures/${sent.id}`)).status).toBe(401);
  });
});
