import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { spanKind, startOtlpReceiver, type OtlpReceiver } from '../helpers/otlp-receiver.js';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

/** The config the gateway starts with; each test rewrites the file from it and reloads. */
const base = {
  aliases: { haiku: 'anthropic:claude-haiku-4-5', mini: 'openai:gpt-4o-mini' },
  groups: { assistant: { targets: [{ model: 'openai:gpt-4o-mini' }] } },
  pricing: { 'openai:gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 2 } },
  cors: { origins: ['https://old.example.com'] },
};

let harness: TestGateway;
let adminToken: string;

beforeAll(async () => {
  // Rate windows on a clock that stands still: the limits test never sees a minute turn.
  harness = await startTestGateway(base, { reloadable: true, clock: new ManualClock(Date.UTC(2026, 10, 29, 12, 0, 5)).now });
  adminToken = await harness.issueKey({ name: 'reload-admin', role: 'admin' });
});
afterAll(() => harness.close());

async function reload(token = adminToken): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`${harness.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${token}` } });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

async function reloadWith(config: Record<string, unknown>): Promise<{ status: number; body: Record<string, unknown> }> {
  await harness.writeConfig(config);
  return reload();
}

function chat(model: string, token = harness.token): Promise<Response> {
  return fetch(`${harness.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hello there' }] }),
  });
}

describe('config reload', () => {
  it('answers that nothing changed when the file is what runs, and only to admin keys', async () => {
    expect(await reload()).toEqual({ status: 200, body: { reloaded: true, changed: [] } });
    expect((await reload(harness.token)).status).toBe(403);
  });

  it('adds an alias', async () => {
    expect((await chat('speedy')).status).toBe(404);
    const outcome = await reloadWith({ ...base, aliases: { ...base.aliases, speedy: 'mistral:mistral-small-latest' } });
    expect(outcome).toEqual({ status: 200, body: { reloaded: true, changed: ['aliases'] } });
    const response = await chat('speedy');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-sluice-provider')).toBe('mistral');
    // /v1/models lists it at once too.
    const client = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
    expect((await client.models.list()).data.map((model) => model.id)).toContain('speedy');
    expect((await reloadWith(base)).body.changed).toEqual(['aliases']);
    expect((await chat('speedy')).status).toBe(404);
  });

  it('adds a provider, then changes its key', async () => {
    // The helper's providers, as the file has them, plus one more.
    const providers = (labKey: string) => ({
      anthropic: { baseUrl: `${harness.upstream.url}/v1`, apiKey: upstreamKeys.anthropic },
      openai: { baseUrl: `${harness.upstream.url}/v1`, apiKey: upstreamKeys.openai },
      gemini: { baseUrl: `${harness.upstream.url}/v1beta`, apiKey: upstreamKeys.gemini },
      mistral: { baseUrl: `${harness.upstream.url}/v1`, apiKey: upstreamKeys.mistral },
      grok: { baseUrl: `${harness.upstream.url}/v1`, apiKey: upstreamKeys.grok },
      vllm: { type: 'openai-compatible', baseUrl: `${harness.upstream.url}/v1`, apiKey: upstreamKeys.vllm, models: ['llama-3.1-8b'] },
      lab: { type: 'openai-compatible', baseUrl: `${harness.upstream.url}/v1`, apiKey: labKey, models: ['lab-model'] },
    });
    expect((await chat('lab-model')).status).toBe(404);
    expect((await reloadWith({ ...base, providers: providers('lab-key-first') })).body).toEqual({ reloaded: true, changed: ['providers'] });
    const lastAuthorization = () => harness.upstream.requests.at(-1)?.headers.authorization;
    const first = await chat('lab-model');
    expect(first.status).toBe(200);
    expect(first.headers.get('x-sluice-provider')).toBe('lab');
    expect(lastAuthorization()).toBe('Bearer lab-key-first');

    expect((await reloadWith({ ...base, providers: providers('lab-key-second') })).body).toEqual({ reloaded: true, changed: ['providers'] });
    expect((await chat('lab-model')).status).toBe(200);
    expect(lastAuthorization()).toBe('Bearer lab-key-second');
    // Groups were rebuilt against the new providers and still route.
    expect((await chat('assistant')).headers.get('x-sluice-provider')).toBe('openai');
    expect((await reloadWith(base)).body).toEqual({ reloaded: true, changed: ['providers'] });
    expect((await chat('lab-model')).status).toBe(404);
  });

  it("changes a group's targets", async () => {
    expect((await chat('assistant')).headers.get('x-sluice-provider')).toBe('openai');
    const outcome = await reloadWith({ ...base, groups: { assistant: { targets: [{ model: 'anthropic:claude-haiku-4-5' }] } } });
    expect(outcome.body).toEqual({ reloaded: true, changed: ['groups'] });
    const response = await chat('assistant');
    expect(response.status).toBe(200);
    expect(response.headers.get('x-sluice-provider')).toBe('anthropic');
    await reloadWith(base);
  });

  it("keeps a target's cooldown across a reload that rebuilds the router", async () => {
    const pair = {
      policy: 'failover',
      targets: [{ model: 'openai:gpt-4o-mini' }, { model: 'anthropic:claude-haiku-4-5' }],
      retry: { attempts: 1 },
      cooldown: { failures: 1, durationMs: 60_000 },
    };
    const withPair = { ...base, groups: { ...base.groups, pair } };
    await reloadWith(withPair);
    // The first target fails once: the call fails over, and openai:gpt-4o-mini cools down.
    harness.upstream.enqueue({ status: 500 });
    const failedOver = await chat('pair');
    expect(failedOver.status).toBe(200);
    expect(failedOver.headers.get('x-sluice-provider')).toBe('anthropic');

    // A pricing change rebuilds the router (the cost policy reads prices); the cooldown is still there.
    expect((await reloadWith({ ...withPair, pricing: { 'openai:gpt-4o-mini': { inputPerMillion: 5, outputPerMillion: 6 } } })).body).toEqual({
      reloaded: true,
      changed: ['pricing'],
    });
    const before = harness.upstream.requests.length;
    const next = await chat('pair');
    expect(next.headers.get('x-sluice-provider')).toBe('anthropic');
    // Straight to the second target: the cooled one was not tried.
    expect(harness.upstream.requests.slice(before).map((request) => request.path)).toEqual(['/v1/messages']);
    await reloadWith(base);
  });

  it('prices a call at the prices it started under, and calls after a pricing change at the new ones', async () => {
    const slowStream = (token: string) =>
      fetch(`${harness.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mini', stream: true, messages: [{ role: 'user', content: 'hello there [[mock {"chunkDelayMs": 40}]]' }] }),
      }).then((response) => response.text());
    const before = await harness.issueKey({ name: 'pricing-before' });
    const after = await harness.issueKey({ name: 'pricing-after' });
    // The first call is still streaming when the prices change.
    const requestsSoFar = harness.upstream.requests.length;
    const inFlight = slowStream(before);
    await harness.upstream.waitForRequests(requestsSoFar + 1);
    const outcome = await reloadWith({ ...base, pricing: { 'openai:gpt-4o-mini': { inputPerMillion: 1_000, outputPerMillion: 2_000 } } });
    expect(outcome.body).toEqual({ reloaded: true, changed: ['pricing'] });
    expect(await inFlight).toContain('[DONE]');
    expect(await slowStream(after)).toContain('[DONE]');

    const rows = await harness.usageRows();
    const keys = await harness.gateway.services.store.listKeys();
    const rowOf = (name: string) => rows.find((row) => row.keyId === keys.find((key) => key.name === name)?.id);
    const cheap = rowOf('pricing-before');
    const dear = rowOf('pricing-after');
    expect(cheap?.inputTokens).toBeGreaterThan(0);
    expect(dear?.inputTokens).toBe(cheap?.inputTokens);
    expect(dear?.outputTokens).toBe(cheap?.outputTokens);
    // Same tokens, a thousand times the price; the call in flight kept the old one (1 and 2 per million).
    expect(cheap!.costUsd).toBeCloseTo((cheap!.inputTokens * 1 + cheap!.outputTokens * 2) / 1e6, 12);
    expect(dear!.costUsd! / cheap!.costUsd!).toBeCloseTo(1_000, 3);
    await reloadWith(base);
  });

  it('applies new default limits to calls after the reload', async () => {
    const token = await harness.issueKey({ name: 'limits-default' });
    for (let call = 0; call < 3; call++) expect((await chat('mini', token)).status).toBe(200);
    const outcome = await reloadWith({ ...base, limits: { defaults: { key: { requestsPerMinute: 3 } } } });
    expect(outcome.body).toEqual({ reloaded: true, changed: ['limits'] });
    // The counters are carried over: this key's three calls this minute already count.
    const refused = await chat('mini', token);
    expect(refused.status).toBe(429);
    expect(refused.headers.get('x-ratelimit-limit-requests')).toBe('3');
    await reloadWith(base);
    expect((await chat('mini', token)).status).toBe(200);
  });

  it('changes the CORS origins', async () => {
    const preflight = (origin: string) =>
      fetch(`${harness.url}/v1/chat/completions`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST' } });
    expect((await preflight('https://new.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    const outcome = await reloadWith({ ...base, cors: { origins: ['https://new.example.com'] } });
    expect(outcome.body).toEqual({ reloaded: true, changed: ['cors'] });
    expect((await preflight('https://new.example.com')).headers.get('access-control-allow-origin')).toBe('https://new.example.com');
    expect((await preflight('https://old.example.com')).headers.get('access-control-allow-origin')).toBeNull();
    await reloadWith(base);
  });

  it('turns tracing on, moves it to another collector, and off again', async () => {
    const [first, second] = [await startOtlpReceiver(), await startOtlpReceiver()];
    try {
      const tracedBy = async (receiver: OtlpReceiver) => {
        const response = await chat('mini');
        expect(response.status).toBe(200);
        const requestId = response.headers.get('x-sluice-request-id');
        await vi.waitFor(() => expect(receiver.spans.some((span) => span.kind === spanKind.server && span.attributes['sluice.request_id'] === requestId)).toBe(true), { timeout: 5_000 });
        return requestId;
      };
      expect(harness.gateway.services.tracing).toBeNull();
      expect((await reloadWith({ ...base, telemetry: { otlp: { endpoint: first.url, exportDelayMs: 20 } } })).body.changed).toEqual(['telemetry']);
      await tracedBy(first);
      expect((await reloadWith({ ...base, telemetry: { otlp: { endpoint: second.url, exportDelayMs: 20 } } })).body.changed).toEqual(['telemetry']);
      const movedId = await tracedBy(second);
      expect(first.spans.some((span) => span.attributes['sluice.request_id'] === movedId)).toBe(false);
      expect((await reloadWith(base)).body.changed).toEqual(['telemetry']);
      expect(harness.gateway.services.tracing).toBeNull();
    } finally {
      await Promise.all([first.close(), second.close()]);
    }
  });

  it('refuses a config with an error, says why, and keeps the running one', async () => {
    const refusals: Array<[string, RegExp]> = [];
    await harness.writeConfigText('aliases:\n  fast: [unclosed\n');
    let outcome = await reload();
    refusals.push([JSON.stringify(outcome.body), /not valid YAML/]);
    expect(outcome.status).toBe(400);

    outcome = await reloadWith({ ...base, aliases: { ...base.aliases, speedy: 'openai:gpt-4o' }, limits: { defaults: { key: { requestsPerMinut: 5 } } } });
    expect(outcome.status).toBe(400);
    refusals.push([JSON.stringify(outcome.body), /limits\.defaults\.key\.requestsPerMinut: unknown field/]);

    outcome = await reloadWith({ ...base, groups: { assistant: { targets: [{ model: 'nosuchprovider:some-model' }] } } });
    expect(outcome.status).toBe(400);
    refusals.push([JSON.stringify(outcome.body), /unknown provider 'nosuchprovider'/]);

    // Valid YAML and schema, but the target resolves to no provider: found when the router is built.
    outcome = await reloadWith({ ...base, aliases: { ...base.aliases, speedy: 'openai:gpt-4o' }, groups: { assistant: { targets: [{ model: 'unheard-of-model' }] } } });
    expect(outcome.status).toBe(400);
    refusals.push([JSON.stringify(outcome.body), /unheard-of-model/]);

    for (const [body, reason] of refusals) {
      expect(body).toMatch(reason);
      expect(body).toContain('"code":"invalid_config"');
      expect(body).toContain('Config not reloaded');
    }
    // Nothing of the refused files was applied: not even the alias the last two added.
    expect((await chat('speedy')).status).toBe(404);
    expect((await chat('assistant')).headers.get('x-sluice-provider')).toBe('openai');
    await harness.writeConfig(base);
  });

  it('refuses a change that needs a restart, naming the setting and not its value', async () => {
    const outcome = await reloadWith({ ...base, server: { host: '127.0.0.1', port: 1 }, database: { url: 'postgres://user:hunter2@db.example.com/sluice' } });
    expect(outcome.status).toBe(400);
    const message = (outcome.body as { error: { message: string } }).error.message;
    expect(message).toContain('server.port');
    expect(message).toContain('database.url');
    expect(message).not.toContain('hunter2');
    await harness.writeConfig(base);
    expect((await reload()).body).toEqual({ reloaded: true, changed: [] });
  });
});

describe('a gateway started without a config file', () => {
  it('answers POST /admin/reload with 409 reload_unavailable', async () => {
    const embedded = await startTestGateway();
    try {
      const admin = await embedded.issueKey({ name: 'embedded-admin', role: 'admin' });
      const response = await fetch(`${embedded.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
      expect(response.status).toBe(409);
      expect(((await response.json()) as { error: { code: string } }).error.code).toBe('reload_unavailable');
    } finally {
      await embedded.close();
    }
  });
});
