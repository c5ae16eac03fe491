import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Model groups as contracts (issue 20, section 1): what callers discover in /v1/models, which caller shapes
 * a group takes, and the group's own limits and budgets, counted in the same admission as the key's.
 */
let harness: TestGateway;
// Windows are fixed minutes on this clock: it moves only when a test moves it.
const clock = new ManualClock();
const onlyOpenAi = [{ model: 'openai:gpt-4o-mini' }];

beforeAll(async () => {
  harness = await startTestGateway(
    {
      // $1 per 1k tokens: a short call costs about a cent.
      pricing: { 'openai:gpt-4o-mini': { inputPerMillion: 1000, outputPerMillion: 1000 } },
      groups: {
        'big-coder': {
          description: 'Agentic coding; tool use required; long context',
          workloads: ['coding-agent', 'refactor'],
          clients: ['anthropic-messages', 'openai-responses'],
          modalities: ['text', 'image'],
          successCriteria: '≥ 90% of the weekly eval suite passes',
          policy: 'failover',
          targets: [{ model: 'anthropic:claude-haiku-4-5' }, { model: 'openai:gpt-4o-mini' }],
        },
        fast: { targets: onlyOpenAi },
        'text-only': { modalities: ['text'], targets: onlyOpenAi },
        'three-a-minute': { limits: { requestsPerMinute: 3 }, targets: onlyOpenAi },
        'few-tokens': { limits: { tokensPerMinute: 60 }, targets: onlyOpenAi },
        'one-at-a-time': { limits: { concurrentRequests: 1 }, targets: onlyOpenAi },
        'small-budget': { budget: { period: 'month', hardUsd: 0.05 }, targets: onlyOpenAi },
        'shared-budget': { budget: { period: 'day', hardUsd: 100 }, targets: onlyOpenAi },
        'código': { budget: { period: 'month', softUsd: 0.001 }, targets: onlyOpenAi },
      },
    },
    { clock: clock.now },
  );
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

const headers = (token: string) => ({ authorization: `Bearer ${token}`, 'content-type': 'application/json' });

function chat(token: string, model: string, body: Record<string, unknown> = {}): Promise<Response> {
  return fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: headers(token),
    body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], ...body }),
  });
}

function messages(token: string, model: string): Promise<Response> {
  return fetch(`${harness.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': token, 'anthropic-version': '2023-06-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 20, messages: [{ role: 'user', content: 'hi' }] }),
  });
}

async function errorOf(response: Response): Promise<{ status: number; message: string }> {
  const body = (await response.json()) as { error: { message: string } };
  return { status: response.status, message: body.error.message };
}

describe('a key restricted to a group', () => {
  it('may call its group, and is refused other groups, plain models and even its group\'s own targets by name', async () => {
    const token = await harness.issueKey({ name: 'coder-only', allowedModels: ['big-coder'], limits: { requestsPerMinute: 0 } });
    expect((await messages(token, 'big-coder')).status).toBe(200);
    expect(harness.upstream.requests).toHaveLength(1);
    for (const model of ['fast', 'gpt-4o-mini', 'anthropic:claude-haiku-4-5', 'openai:gpt-4o-mini']) {
      const refused = await errorOf(await messages(token, model));
      expect(refused.status, model).toBe(403);
      expect(refused.message).toContain(`'${model}'`);
    }
    // Refused before any upstream call.
    expect(harness.upstream.requests).toHaveLength(1);
    const rows = await harness.usageRows();
    expect(rows.slice(-4).map((row) => row.errorCode)).toEqual(['model_not_allowed', 'model_not_allowed', 'model_not_allowed', 'model_not_allowed']);

    const listed = (await (await fetch(`${harness.url}/v1/models`, { headers: headers(token) })).json()) as { data: Array<{ id: string }> };
    expect(listed.data.map((model) => model.id)).toEqual(['big-coder']);
  });
});

describe('clients', () => {
  it('refuses a caller shape the group does not list with a 400 naming the allowed shapes, before any upstream call', async () => {
    const refused = await chat(harness.token, 'big-coder');
    expect(refused.status).toBe(400);
    expect(refused.headers.get('x-should-retry')).toBe('false');
    const body = (await refused.json()) as { error: { message: string; code: string; param: string } };
    expect(body.error).toMatchObject({ code: 'client_not_allowed', param: 'model' });
    expect(body.error.message).toContain('anthropic-messages, openai-responses');
    expect(body.error.message).toContain('openai-chat');
    expect(harness.upstream.requests).toHaveLength(0);
    expect((await harness.usageRows()).at(-1)).toMatchObject({ statusCode: 400, errorCode: 'client_not_allowed', attempts: 0 });

    // A listed shape is served; a group without `clients` takes every shape.
    expect((await messages(harness.token, 'big-coder')).status).toBe(200);
    expect((await chat(harness.token, 'fast')).status).toBe(200);
  });

  it('a group whose modalities leave images out refuses an image before any upstream call, though its target takes images', async () => {
    const withImage = {
      messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } }] }],
    };
    const refused = await chat(harness.token, 'text-only', withImage);
    expect(refused.status).toBe(400);
    expect((await errorOf(refused)).message).toContain("No target of group 'text-only' can serve this request");
    expect(harness.upstream.requests).toHaveLength(0);
    expect((await chat(harness.token, 'fast', withImage)).status).toBe(200);
    expect((await chat(harness.token, 'text-only')).status).toBe(200);
  });
});

describe('/v1/models', () => {
  type Listed = { id: string; object: string; created: number; owned_by: string } & Record<string, unknown>;
  const list = async (query = '') => {
    const response = await fetch(`${harness.url}/v1/models${query}`, { headers: headers(harness.token) });
    return { status: response.status, body: (await response.json()) as { data: Listed[]; error?: { message: string } } };
  };

  it("lists each group's contract beside the OpenAI list item's own fields", async () => {
    const { body } = await list();
    expect(body.data.find((model) => model.id === 'big-coder')).toEqual({
      id: 'big-coder',
      object: 'model',
      created: 0,
      owned_by: 'sluice',
      description: 'Agentic coding; tool use required; long context',
      workloads: ['coding-agent', 'refactor'],
      modalities: ['text', 'image'],
      clients: ['anthropic-messages', 'openai-responses'],
    });
    // A group that declares nothing: no description, no workloads, what its targets take, every shape.
    expect(body.data.find((model) => model.id === 'fast')).toMatchObject({
      description: null,
      workloads: [],
      modalities: ['text', 'image'],
      clients: ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'],
    });
    // A plain model carries no contract.
    expect(body.data.find((model) => model.id === 'gpt-4o-mini')).toEqual({ id: 'gpt-4o-mini', object: 'model', created: 0, owned_by: 'openai' });
  });

  it('verbose=false keeps the bare list; another value is a 400 naming the parameter', async () => {
    const { body } = await list('?verbose=false');
    expect(body.data.find((model) => model.id === 'big-coder')).toEqual({ id: 'big-coder', object: 'model', created: 0, owned_by: 'sluice' });
    expect(body.data.every((model) => Object.keys(model).sort().join() === 'created,id,object,owned_by')).toBe(true);
    expect((await list('?verbose=true')).body.data.find((model) => model.id === 'big-coder')).toHaveProperty('workloads');
    const refused = await list('?verbose=yes');
    expect(refused.status).toBe(400);
    expect(refused.body.error?.message).toContain("'verbose'");
  });

  it('in the Anthropic shape too', async () => {
    const response = await fetch(`${harness.url}/v1/models`, { headers: { 'x-api-key': harness.token, 'anthropic-version': '2023-06-01' } });
    const body = (await response.json()) as { data: Array<Record<string, unknown>> };
    expect(body.data.find((model) => model.id === 'big-coder')).toMatchObject({ type: 'model', clients: ['anthropic-messages', 'openai-responses'], workloads: ['coding-agent', 'refactor'] });
  });
});

describe('group limits', () => {
  it('requests per minute count every key of the group together; the refusal names the group', async () => {
    const first = await harness.issueKey({ name: 'rpm-a', limits: { requestsPerMinute: 0 } });
    const second = await harness.issueKey({ name: 'rpm-b', limits: { requestsPerMinute: 0 } });
    expect((await chat(first, 'three-a-minute')).status).toBe(200);
    expect((await chat(second, 'three-a-minute')).status).toBe(200);
    const third = await chat(first, 'three-a-minute');
    expect(third.status).toBe(200);
    expect(third.headers.get('x-ratelimit-remaining-requests')).toBe('0');
    const refused = await chat(second, 'three-a-minute');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
    expect((await errorOf(refused)).message).toContain("Rate limit reached for the group 'three-a-minute': 3 requests per minute");
    expect((await harness.usageRows()).at(-1)).toMatchObject({ statusCode: 429, errorCode: 'rate_limited.group.requests_per_minute', groupName: 'three-a-minute' });
    // Other groups and plain models are not held by this group's window.
    expect((await chat(second, 'fast')).status).toBe(200);
    expect(harness.upstream.requests).toHaveLength(4);
    clock.advance(60_000);
    expect((await chat(second, 'three-a-minute')).status).toBe(200);
  });

  it('tokens per minute: estimated before the call, settled after, refused naming the group', async () => {
    const token = await harness.issueKey({ name: 'tpm', limits: { requestsPerMinute: 0 } });
    // An estimate above the whole window is refused at once.
    const tooBig = await chat(token, 'few-tokens', { max_tokens: 100 });
    expect(tooBig.status).toBe(429);
    expect((await harness.usageRows()).at(-1)).toMatchObject({ errorCode: 'rate_limited.group.tokens_per_minute' });
    expect(harness.upstream.requests).toHaveLength(0);
    let served = 0;
    let refusedReason: string | null = null;
    for (let attempt = 0; attempt < 10 && refusedReason === null; attempt++) {
      const response = await chat(token, 'few-tokens', { max_tokens: 5 });
      if (response.status === 200) served++;
      else refusedReason = (await harness.usageRows()).at(-1)!.errorCode;
    }
    expect(served).toBeGreaterThan(0);
    expect(refusedReason).toBe('rate_limited.group.tokens_per_minute');
  });

  it('concurrent requests: a second call while the first is in flight is refused, and the slot comes back', async () => {
    const first = await harness.issueKey({ name: 'slot-a', limits: { requestsPerMinute: 0 } });
    const second = await harness.issueKey({ name: 'slot-b', limits: { requestsPerMinute: 0 } });
    harness.upstream.enqueue({ delayMs: 300 });
    const slow = chat(first, 'one-at-a-time');
    await harness.upstream.waitForRequests(1);
    const refused = await chat(second, 'one-at-a-time');
    expect(refused.status).toBe(429);
    expect((await errorOf(refused)).message).toContain("Too many requests in flight for the group 'one-at-a-time': at most 1 at once");
    expect((await slow).status).toBe(200);
    expect((await chat(second, 'one-at-a-time')).status).toBe(200);
    expect((await harness.usageRows()).map((row) => row.errorCode)).toContain('concurrency_limited.group');
  });
});

describe('group budgets', () => {
  it("the group's hard cap holds across keys, reserved before the call and settled after", async () => {
    const keys = [await harness.issueKey({ name: 'budget-a', limits: { requestsPerMinute: 0 } }), await harness.issueKey({ name: 'budget-b', limits: { requestsPerMinute: 0 } })];
    let refusal: { status: number; message: string } | undefined;
    let served = 0;
    for (let attempt = 0; attempt < 20 && !refusal; attempt++) {
      const response = await chat(keys[attempt % 2]!, 'small-budget');
      if (response.status === 200) served++;
      else refusal = await errorOf(response);
    }
    expect(served).toBeGreaterThan(1);
    expect(refusal?.status).toBe(429);
    expect(refusal?.message).toContain("Budget for the group 'small-budget' cannot cover this request");
    const rows = await harness.usageRows();
    expect(rows.at(-1)).toMatchObject({ errorCode: 'budget_exceeded.group', groupName: 'small-budget' });
    const spent = rows.filter((row) => row.groupName === 'small-budget' && row.statusCode === 200).reduce((sum, row) => sum + (row.costUsd ?? 0), 0);
    // Overspend is bounded by one request's maximum cost (20 output tokens and the prompt at $0.001 a token).
    expect(spent).toBeLessThanOrEqual(0.05 + 0.03);
  });

  it("a key's share of a group (groupBudgets) refuses that key in that group only, naming both", async () => {
    const token = await harness.issueKey({ name: 'share', limits: { requestsPerMinute: 0, groupBudgets: { 'shared-budget': 0.03 } } });
    let refusal: { status: number; message: string } | undefined;
    for (let attempt = 0; attempt < 20 && !refusal; attempt++) {
      const response = await chat(token, 'shared-budget');
      if (response.status !== 200) refusal = await errorOf(response);
    }
    expect(refusal?.status).toBe(429);
    expect(refusal?.message).toContain("this key in the group 'shared-budget'");
    expect(refusal?.message).toContain('daily budget');
    expect((await harness.usageRows()).at(-1)).toMatchObject({ errorCode: 'budget_exceeded.key_group' });
    // The same key elsewhere, and another key in the same group, go on.
    expect((await chat(token, 'fast')).status).toBe(200);
    expect((await chat(harness.token, 'shared-budget')).status).toBe(200);
  });
});

describe('a group past its soft cap', () => {
  it('is served with a warning naming the group, made safe for a header', async () => {
    const first = await chat(harness.token, 'código');
    expect(first.status).toBe(200);
    // The reservation alone passes $0.001.
    expect(first.headers.get('x-sluice-budget-warning')).toBe("soft budget reached for the group 'c%C3%B3digo'");
  });
});

describe('groupBudgets in the admin API', () => {
  it('are set, kept across a limits change, shown beside limits, and cleared', async () => {
    const admin = await harness.issueKey({ name: 'group-admin', role: 'admin' });
    const send = async (method: string, path: string, body?: unknown) => {
      const response = await fetch(`${harness.url}${path}`, { method, headers: headers(admin), body: body === undefined ? undefined : JSON.stringify(body) });
      return { status: response.status, body: (await response.json()) as Record<string, unknown> };
    };
    const created = await send('POST', '/admin/keys', { name: 'admin-share', groupBudgets: { 'big-coder': 50 } });
    expect(created.status).toBe(201);
    expect((created.body.key as Record<string, unknown>).groupBudgets).toEqual({ 'big-coder': 50 });
    const limited = await send('PATCH', '/admin/keys/admin-share', { limits: { requestsPerMinute: 10 } });
    expect(limited.body).toMatchObject({ limits: { requestsPerMinute: 10 }, groupBudgets: { 'big-coder': 50 } });
    expect(limited.body.limits).not.toHaveProperty('groupBudgets');
    const changed = await send('PATCH', '/admin/keys/admin-share', { groupBudgets: { fast: 5, 'big-coder': 0 } });
    expect(changed.body).toMatchObject({ limits: { requestsPerMinute: 10 }, groupBudgets: { fast: 5 } });
    const stored = (await harness.gateway.services.store.listKeys()).find((key) => key.name === 'admin-share')!;
    expect(stored.limits.groupBudgets).toEqual({ fast: 5 });
    const cleared = await send('PATCH', '/admin/keys/admin-share', { groupBudgets: null });
    expect(cleared.body.groupBudgets).toEqual({});
    const refused = await send('PATCH', '/admin/keys/admin-share', { groupBudgets: { fast: -1 } });
    expect(refused.status).toBe(400);
    // JSON.parse makes `__proto__` an own property; it must be refused, not dropped.
    const response = await fetch(`${harness.url}/admin/keys/admin-share`, { method: 'PATCH', headers: headers(admin), body: '{"groupBudgets": {"__proto__": 5}}' });
    expect(response.status).toBe(400);
    expect(JSON.stringify(await response.json())).toContain('__proto__');
  });
});
