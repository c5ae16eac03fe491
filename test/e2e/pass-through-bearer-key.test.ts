import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import OpenAI from 'openai';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { invalidKey } from '../../src/mock/check-credentials.js';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Pass-through mode with the caller's provider key sent as `Authorization: Bearer` (what the OpenAI SDKs
 * do) and its gateway key in `x-sluice-token`: the upstream gets the caller's key in its own scheme, and
 * Sluice keeps it nowhere — not in the usage row, the logs, or any file of its data directory.
 */
const callerKey = 'sk-proj-callers-own-openai-key-7f3a9c';
const callerAnthropicKey = 'sk-ant-callers-own-anthropic-key-2b8e41';
let harness: TestGateway;
const logLines: string[] = [];

beforeAll(async () => {
  // Everything, at every level, and without the logger's redaction: code must not log the key at all.
  const logger = pino({ level: 'trace' }, { write: (line: string) => void logLines.push(line) });
  harness = await startTestGateway({}, { logger });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

function byok(apiKey: string): OpenAI {
  return new OpenAI({ apiKey, baseURL: `${harness.url}/v1`, maxRetries: 0, defaultHeaders: { 'x-sluice-token': harness.token } });
}

/** Every file under the data directory (the database, its WAL, the usage spool) that holds `secret`. */
async function filesHolding(secret: string): Promise<string[]> {
  const entries = await readdir(harness.dataDir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile()).map((entry) => join(entry.parentPath, entry.name));
  expect(files.length).toBeGreaterThan(0);
  const holding: string[] = [];
  for (const file of files) if ((await readFile(file)).includes(Buffer.from(secret))) holding.push(file);
  return holding;
}

describe('pass-through with the provider key as Authorization: Bearer', () => {
  it('the upstream receives the caller\'s key, never the gateway\'s own or the Sluice token', async () => {
    const answer = await byok(callerKey).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mine' }] }).withResponse();
    expect(answer.data.object).toBe('chat.completion');
    const upstream = harness.upstream.requests[0]!;
    expect(upstream.headers.authorization).toBe(`Bearer ${callerKey}`);
    const sent = JSON.stringify(upstream.headers);
    expect(sent).not.toContain(upstreamKeys.openai);
    expect(sent).not.toContain(harness.token);
    expect(JSON.stringify([...answer.response.headers])).not.toContain(callerKey);
  });

  it('a stream goes with the caller\'s key too', async () => {
    const stream = await byok(callerKey).chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'mine, streamed' }], stream: true });
    let text = '';
    for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
    expect(text.length).toBeGreaterThan(0);
    expect(harness.upstream.requests[0]!.headers.authorization).toBe(`Bearer ${callerKey}`);
  });

  it('a Bearer key for a provider that takes x-api-key goes there in the provider\'s own scheme', async () => {
    const response = await fetch(`${harness.url}/v1/messages`, {
      method: 'POST',
      headers: { authorization: `Bearer ${callerAnthropicKey}`, 'x-sluice-token': harness.token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'claude-haiku-4-5', max_tokens: 16, messages: [{ role: 'user', content: 'mine' }] }),
    });
    expect(response.status).toBe(200);
    const upstream = harness.upstream.requests[0]!;
    expect(upstream.headers['x-api-key']).toBe(callerAnthropicKey);
    expect(upstream.headers.authorization).toBeUndefined();
    expect(JSON.stringify(upstream.headers)).not.toContain(upstreamKeys.anthropic);
  });

  it('a key the provider refuses comes back to the caller as the provider\'s 401, and is not kept either', async () => {
    const refused = await byok(invalidKey)
      .chat.completions.create({ model: 'gpt-4o-mini', messages: [{ role: 'user', content: 'refused' }] })
      .catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(OpenAI.APIError);
    expect((refused as InstanceType<typeof OpenAI.APIError>).status).toBe(401);
    // Only one try: another attempt with the gateway's own key would spend the operator's money.
    expect(harness.upstream.requests).toHaveLength(1);
    expect(harness.upstream.requests[0]!.headers.authorization).toBe(`Bearer ${invalidKey}`);
  });

  it('every call is the gateway key\'s and marked callerProviderKey; no row, log line or file holds a caller\'s key', async () => {
    const rows = await harness.usageRows();
    expect(rows.map((row) => ({ outcome: row.outcome, callerProviderKey: row.callerProviderKey, userName: row.userName, statusCode: row.statusCode }))).toEqual([
      { outcome: 'ok', callerProviderKey: true, userName: 'ada', statusCode: 200 },
      { outcome: 'ok', callerProviderKey: true, userName: 'ada', statusCode: 200 },
      { outcome: 'ok', callerProviderKey: true, userName: 'ada', statusCode: 200 },
      { outcome: 'error', callerProviderKey: true, userName: 'ada', statusCode: 401 },
    ]);
    for (const secret of [callerKey, callerAnthropicKey]) {
      expect(JSON.stringify(rows)).not.toContain(secret);
      expect(await filesHolding(secret)).toEqual([]);
    }
    // Today a call logs nothing at any level; this holds the line for any log a call comes to write.
    const log = logLines.join('');
    for (const secret of [callerKey, callerAnthropicKey]) expect(log).not.toContain(secret);
    expect(log).not.toContain(`Bearer ${invalidKey}`);
  });
});
