import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

// Issue 22 §1: a run is a label on traffic, from headers, tags or the key.
let harness: TestGateway;
let adminToken: string;

const messages = [{ role: 'user' as const, content: 'hello' }];
const openaiWith = (token: string, headers: Record<string, string>) =>
  new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0, defaultHeaders: headers });
const adminFetch = (method: string, path: string, body?: unknown) =>
  fetch(`${harness.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${adminToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

beforeAll(async () => {
  harness = await startTestGateway();
  adminToken = await harness.issueKey({ name: 'boss', role: 'admin' });
});
afterAll(() => harness.close());

describe('runs as labels on traffic', () => {
  it('records x-sluice-run and x-sluice-trial from the OpenAI SDK on the row and in the request log', async () => {
    const client = openaiWith(harness.token, { 'x-sluice-run': 'nightly-2026.12.06', 'x-sluice-trial': 'task-1/attempt-0' });
    const answer = await client.chat.completions.create({ model: 'mini', messages }).withResponse();
    const id = answer.response.headers.get('x-sluice-request-id')!;
    const row = (await harness.usageRows()).find((candidate) => candidate.id === id)!;
    expect(row).toMatchObject({ runId: 'nightly-2026.12.06', trialId: 'task-1/attempt-0', statusCode: 200 });
    const detail = (await (await adminFetch('GET', `/analytics/requests/${id}`)).json()) as Record<string, unknown>;
    expect(detail).toMatchObject({ id, run: 'nightly-2026.12.06', trial: 'task-1/attempt-0' });
  });

  it('reads run:<id> and trial:<id> tags from the Anthropic SDK', async () => {
    const client = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0, defaultHeaders: { 'x-sluice-tags': 'ci,run:tagged-run,trial:t7' } });
    const answer = await client.messages.create({ model: 'haiku', max_tokens: 16, messages }).withResponse();
    const id = answer.response.headers.get('x-sluice-request-id')!;
    const row = (await harness.usageRows()).find((candidate) => candidate.id === id)!;
    expect(row).toMatchObject({ runId: 'tagged-run', trialId: 't7' });
    expect(row.tags).toEqual(['ci', 'run:tagged-run', 'trial:t7']);
  });

  it('leaves both null when the call names no run', async () => {
    const answer = await openaiWith(harness.token, {}).chat.completions.create({ model: 'mini', messages }).withResponse();
    const id = answer.response.headers.get('x-sluice-request-id')!;
    expect((await harness.usageRows()).find((candidate) => candidate.id === id)).toMatchObject({ runId: null, trialId: null });
  });

  it('refuses a malformed label with a 400 naming the header, in the caller shape', async () => {
    const openaiRefusal = await openaiWith(harness.token, { 'x-sluice-run': 'has spaces;and more' })
      .chat.completions.create({ model: 'mini', messages })
      .catch((error: unknown) => error);
    expect(openaiRefusal).toBeInstanceOf(OpenAI.BadRequestError);
    expect((openaiRefusal as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('x-sluice-run');
    expect((openaiRefusal as Error).message).toContain('x-sluice-run');

    const anthropicRefusal = await new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0, defaultHeaders: { 'x-sluice-trial': 'x'.repeat(129) } })
      .messages.create({ model: 'haiku', max_tokens: 16, messages })
      .catch((error: unknown) => error);
    expect(anthropicRefusal).toBeInstanceOf(Anthropic.BadRequestError);
    const body = (anthropicRefusal as InstanceType<typeof Anthropic.BadRequestError>).error as { type: string; error: { type: string; message: string } };
    expect(body.type).toBe('error');
    expect(body.error.type).toBe('invalid_request_error');
    expect(body.error.message).toContain('x-sluice-trial');

    const disagreeing = await openaiWith(harness.token, { 'x-sluice-run': 'a', 'x-sluice-tags': 'run:b' })
      .chat.completions.create({ model: 'mini', messages })
      .catch((error: unknown) => error);
    expect((disagreeing as InstanceType<typeof OpenAI.BadRequestError>).status).toBe(400);
  });

  it('a run key puts every call in its run, and refuses a header naming another run', async () => {
    const created = await adminFetch('POST', '/admin/keys', { name: 'harbor-agent', run: 'keyed-run' });
    expect(created.status).toBe(201);
    const { token, key } = (await created.json()) as { token: string; key: { run: string | null } };
    expect(key.run).toBe('keyed-run');

    const plain = await openaiWith(token, { 'x-sluice-trial': 'k1' }).chat.completions.create({ model: 'mini', messages }).withResponse();
    const same = await openaiWith(token, { 'x-sluice-run': 'keyed-run' }).chat.completions.create({ model: 'mini', messages }).withResponse();
    const rows = await harness.usageRows();
    expect(rows.find((row) => row.id === plain.response.headers.get('x-sluice-request-id'))).toMatchObject({ runId: 'keyed-run', trialId: 'k1' });
    expect(rows.find((row) => row.id === same.response.headers.get('x-sluice-request-id'))).toMatchObject({ runId: 'keyed-run' });

    const steered = await openaiWith(token, { 'x-sluice-run': 'other-run' })
      .chat.completions.create({ model: 'mini', messages })
      .catch((error: unknown) => error);
    expect(steered).toBeInstanceOf(OpenAI.BadRequestError);
    expect((steered as InstanceType<typeof OpenAI.BadRequestError>).param).toBe('x-sluice-run');

    // The admin API changes and clears a key's run, and refuses a label that is not one.
    expect((await adminFetch('PATCH', '/admin/keys/harbor-agent', { run: 'has space' })).status).toBe(400);
    const cleared = (await (await adminFetch('PATCH', '/admin/keys/harbor-agent', { run: null })).json()) as { run: string | null };
    expect(cleared.run).toBeNull();
  });
});
