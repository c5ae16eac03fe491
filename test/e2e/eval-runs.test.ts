import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase } from '../helpers/postgres-backend.js';
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

// On the default SQLite store and on the real PostgreSQL (the outcome store and the runs query are per backend).
const postgres = await createTestDatabase();
const backends: Array<{ name: string; config: Record<string, unknown> }> = [{ name: 'sqlite', config: {} }];
if ('url' in postgres) backends.push({ name: 'postgres', config: { database: { url: postgres.url } } });
else console.warn(`[eval runs e2e] skipping PostgreSQL: ${postgres.skipReason}`);
afterAll(async () => {
  if ('url' in postgres) await postgres.drop();
});

describe.each(backends)('$name', (backend) => {
  beforeAll(async () => {
    harness = await startTestGateway(backend.config);
    expect(harness.gateway.services.store.constructor.name).toBe(backend.name === 'postgres' ? 'PostgresStore' : 'SqliteStore');
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

      // A run label may be longer than a tag (64 characters): the label is read whole, not cut.
      const long = `r${'x'.repeat(99)}`;
      const tagged = await openaiWith(harness.token, { 'x-sluice-tags': `run:${long}` }).chat.completions.create({ model: 'mini', messages }).withResponse();
      expect((await harness.usageRows()).find((candidate) => candidate.id === tagged.response.headers.get('x-sluice-request-id'))).toMatchObject({ runId: long });
    });

    it('leaves both null when the call names no run (an empty header names none)', async () => {
      const answer = await openaiWith(harness.token, {}).chat.completions.create({ model: 'mini', messages }).withResponse();
      // Sent by hand: an SDK may drop an empty header before it leaves.
      const empty = await fetch(`${harness.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${harness.token}`, 'content-type': 'application/json', 'x-sluice-run': '', 'x-sluice-trial': ' ' },
        body: JSON.stringify({ model: 'mini', messages }),
      });
      expect(empty.status).toBe(200);
      const rows = await harness.usageRows();
      for (const id of [answer.response.headers.get('x-sluice-request-id'), empty.headers.get('x-sluice-request-id')]) {
        expect(rows.find((candidate) => candidate.id === id)).toMatchObject({ runId: null, trialId: null });
      }
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

      // An agent configured only through ANTHROPIC_AUTH_TOKEN and a base URL: no header of its own.
      const agent = new Anthropic({ authToken: token, apiKey: null, baseURL: harness.url, maxRetries: 0 });
      const bearer = await agent.messages.create({ model: 'haiku', max_tokens: 16, messages }).withResponse();
      expect((await harness.usageRows()).find((row) => row.id === bearer.response.headers.get('x-sluice-request-id'))).toMatchObject({ runId: 'keyed-run', trialId: null });

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

  describe('outcomes and runs', () => {
    const post = (body: unknown, token = adminToken) =>
      fetch(`${harness.url}/analytics/outcomes`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });

    it('answers admin and analytics keys only', async () => {
      const analyticsToken = await harness.issueKey({ name: 'grader', role: 'analytics' });
      expect((await post({ run: 'roles', trial: 't', reward: 1, passed: true }, harness.token)).status).toBe(403);
      const metricsToken = await harness.issueKey({ name: 'scraper', role: 'metrics' });
      expect((await post({ run: 'roles', trial: 't', reward: 1, passed: true }, metricsToken)).status).toBe(403);
      const unauthenticated = await fetch(`${harness.url}/analytics/outcomes`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
      expect(unauthenticated.status).toBe(401);
      expect((await post({ run: 'roles', trial: 't', reward: 1, passed: true }, analyticsToken)).status).toBe(201);
    });

    it('records one outcome, replaces it on a second POST, and says which', async () => {
      const first = await post({ run: 'solo', trial: 't1', reward: 0.5, passed: false, task: 'fizzbuzz', metadata: { agent: 'codex' } });
      expect(first.status).toBe(201);
      expect(await first.json()).toEqual({ object: 'analytics.outcome', run: 'solo', trial: 't1', result: 'created' });
      const second = await post({ run: 'solo', trial: 't1', reward: 1, passed: true });
      expect(second.status).toBe(200);
      expect(await second.json()).toMatchObject({ result: 'replaced' });
      expect(await harness.gateway.services.store.listOutcomes('solo')).toMatchObject([{ trial: 't1', reward: 1, passed: true, task: null, metadata: null }]);
    });

    it('records an array in bulk', async () => {
      const answer = await post([
        { run: 'bulk', trial: 'a', reward: 1, passed: true },
        { run: 'bulk', trial: 'b', reward: 0, passed: false },
      ]);
      expect(answer.status).toBe(200);
      expect(await answer.json()).toEqual({
        object: 'list',
        created: 2,
        replaced: 0,
        data: [
          { run: 'bulk', trial: 'a', result: 'created' },
          { run: 'bulk', trial: 'b', result: 'created' },
        ],
      });
      expect(await (await post([{ run: 'bulk', trial: 'a', reward: 1, passed: true }])).json()).toMatchObject({ created: 0, replaced: 1 });
    });

    it('refuses what is not an outcome with a 400 naming the field, and writes nothing of a bad batch', async () => {
      const cases: Array<[unknown, string]> = [
        [{ run: 'r', trial: 't', reward: 1.5, passed: true }, 'reward'],
        [{ run: 'r', trial: 't', reward: 1, passed: 'yes' }, 'passed'],
        [{ run: 'r', trial: 't', passed: true }, 'reward'],
        [{ run: 'bad run', trial: 't', reward: 1, passed: true }, 'run'],
        [{ run: 'r', trial: 't', reward: 1, passed: true, score: 3 }, 'score'],
        [{ run: 'r', trial: 't', reward: 1, passed: true, metadata: { blob: 'x'.repeat(20_000) } }, 'metadata'],
        [{ run: 'r', trial: 't', reward: 1, passed: true, metadata: [1] }, 'metadata'],
        [[{ run: 'never', trial: 'ok', reward: 1, passed: true }, { run: 'never', trial: 'bad', reward: -1, passed: true }], '[1].reward'],
        [[{ run: 'r', trial: 'same', reward: 1, passed: true }, { run: 'r', trial: 'same', reward: 0, passed: false }], '[1].trial'],
        [[], ''],
        ['text', ''],
      ];
      for (const [body, param] of cases) {
        const answer = await post(body);
        expect(answer.status, JSON.stringify(body).slice(0, 80)).toBe(400);
        const error = ((await answer.json()) as { error: { type: string; param: string | null; message: string } }).error;
        expect(error.type).toBe('invalid_request_error');
        if (param !== '') expect(error.param).toBe(param);
      }
      expect(await harness.gateway.services.store.listOutcomes('never')).toEqual([]);
    });

    it('GET /analytics/runs lists runs with calls, trials, outcomes, pass rate, reward, cost and groups', async () => {
      const client = openaiWith(harness.token, { 'x-sluice-run': 'listed-run', 'x-sluice-trial': 'first' });
      await client.chat.completions.create({ model: 'mini', messages });
      await client.chat.completions.create({ model: 'mini', messages });
      await openaiWith(harness.token, { 'x-sluice-run': 'listed-run', 'x-sluice-trial': 'second' }).chat.completions.create({ model: 'mini', messages });
      await harness.usageRows();
      await post([
        { run: 'listed-run', trial: 'first', reward: 1, passed: true },
        { run: 'listed-run', trial: 'second', reward: 0.5, passed: false },
      ]);
      const answer = await fetch(`${harness.url}/analytics/runs?window=1h`, { headers: { authorization: `Bearer ${adminToken}` } });
      expect(answer.status).toBe(200);
      const body = (await answer.json()) as { object: string; data: Array<Record<string, unknown>> };
      expect(body.object).toBe('analytics.runs');
      const listed = body.data.find((run) => run.run === 'listed-run')!;
      expect(listed).toMatchObject({ calls: 3, trials: 2, outcomes: 2, passed: 1, pass_rate: 0.5, mean_reward: 0.75, groups: [] });
      expect(typeof listed.cost_usd).toBe('number');
      expect(Date.parse(listed.first_call_at as string)).toBeLessThanOrEqual(Date.parse(listed.last_call_at as string));
      // The first tests' runs are listed too, most recent first; a run without outcomes has no rates.
      expect(body.data[0]!.run).toBe('listed-run');
      expect(body.data.find((run) => run.run === 'tagged-run')).toMatchObject({ calls: 1, outcomes: 0, pass_rate: null, mean_reward: null });

      const limited = (await (await fetch(`${harness.url}/analytics/runs?limit=1`, { headers: { authorization: `Bearer ${adminToken}` } })).json()) as { data: unknown[] };
      expect(limited.data).toHaveLength(1);
      expect((await fetch(`${harness.url}/analytics/runs?team=x`, { headers: { authorization: `Bearer ${adminToken}` } })).status).toBe(400);
      expect((await fetch(`${harness.url}/analytics/runs`, { headers: { authorization: `Bearer ${harness.token}` } })).status).toBe(403);
    });
  });
});
