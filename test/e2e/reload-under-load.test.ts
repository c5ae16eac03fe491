import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Two valid configs that route the same names differently. Limits are off (0) so that twenty clients on one
 * key are never refused for rate; both configs carry the same limits, so only routing and prices change.
 */
const configA = {
  aliases: { target: 'openai:gpt-4o-mini' },
  groups: { pool: { targets: [{ model: 'openai:gpt-4o-mini' }] } },
  pricing: { 'openai:gpt-4o-mini': { inputPerMillion: 1, outputPerMillion: 2 } },
  limits: { defaults: { key: { requestsPerMinute: 0 } } },
};
const configB = {
  aliases: { target: 'anthropic:claude-haiku-4-5' },
  groups: { pool: { targets: [{ model: 'mistral:mistral-small-latest' }] } },
  pricing: { 'openai:gpt-4o-mini': { inputPerMillion: 3, outputPerMillion: 4 } },
  limits: { defaults: { key: { requestsPerMinute: 0 } } },
};
const providerOf = { A: { target: 'openai', pool: 'openai' }, B: { target: 'anthropic', pool: 'mistral' } } as const;

let harness: TestGateway;
let adminToken: string;

beforeAll(async () => {
  harness = await startTestGateway(configA, { reloadable: true });
  adminToken = await harness.issueKey({ name: 'load-admin', role: 'admin' });
});
afterAll(() => harness.close());

async function reloadTo(config: Record<string, unknown>): Promise<unknown> {
  await harness.writeConfig(config);
  const response = await fetch(`${harness.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${adminToken}` } });
  expect(response.status).toBe(200);
  return response.json();
}

interface Outcome {
  status: number;
  complete: boolean;
  provider: string | null;
  detail: string;
}

/** One call, read to its end: a stream must end with [DONE], a whole answer must hold the assistant's text. */
async function call(model: string, stream: boolean, chunkDelayMs = 0): Promise<Outcome> {
  const directive = chunkDelayMs > 0 ? ` [[mock {"chunkDelayMs": ${chunkDelayMs}}]]` : '';
  try {
    const response = await fetch(`${harness.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${harness.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model, stream, messages: [{ role: 'user', content: `hello there, how are you today?${directive}` }] }),
    });
    const text = await response.text();
    const complete = stream
      ? text.trimEnd().endsWith('data: [DONE]') && text.includes('"finish_reason":"stop"')
      : ((JSON.parse(text) as { choices?: Array<{ message?: { content?: string } }> }).choices?.[0]?.message?.content ?? '').length > 0;
    return { status: response.status, complete, provider: response.headers.get('x-sluice-provider'), detail: text.slice(0, 200) };
  } catch (error) {
    return { status: 0, complete: false, provider: null, detail: String(error) };
  }
}

describe('reload under load', () => {
  it('finishes a call in flight on the config it started with', async () => {
    const sent = harness.upstream.requests.length;
    const slow = call('target', true, 60);
    // Once the stream has reached the upstream on config A, move `target` elsewhere while it runs.
    await vi.waitFor(() => expect(harness.upstream.requests.length).toBeGreaterThan(sent), { timeout: 5_000, interval: 5 });
    await reloadTo(configB);
    const next = await call('target', false);
    expect(next).toMatchObject({ status: 200, complete: true, provider: 'anthropic' });
    expect(await slow).toMatchObject({ status: 200, complete: true, provider: 'openai' });
    await reloadTo(configA);
  });

  it('serves twenty concurrent clients without a failure while the config is reloaded ten times', async () => {
    let stopped = false;
    const outcomes: Outcome[] = [];
    const client = async (index: number) => {
      for (let turn = 0; !stopped; turn++) {
        const stream = (index + turn) % 2 === 0;
        outcomes.push(await call(turn % 3 === 0 ? 'pool' : 'target', stream, stream ? 5 : 0));
      }
    };
    const clients = Array.from({ length: 20 }, (_, index) => client(index));

    const afterReload: Array<{ config: 'A' | 'B'; target: Outcome; pool: Outcome }> = [];
    for (let reload = 0; reload < 10; reload++) {
      const name = reload % 2 === 0 ? 'B' : 'A';
      expect(await reloadTo(name === 'B' ? configB : configA)).toEqual({ reloaded: true, changed: ['aliases', 'pricing', 'groups'] });
      // A call that starts after the reload answered sees the new config.
      afterReload.push({ config: name, target: await call('target', false), pool: await call('pool', true) });
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    stopped = true;
    await Promise.all(clients);

    const failures = outcomes.filter((outcome) => outcome.status !== 200 || !outcome.complete);
    expect(failures).toEqual([]);
    expect(outcomes.length).toBeGreaterThan(100);
    for (const { config, target, pool } of afterReload) {
      expect(target).toMatchObject({ status: 200, complete: true, provider: providerOf[config].target });
      expect(pool).toMatchObject({ status: 200, complete: true, provider: providerOf[config].pool });
    }
  });
});
