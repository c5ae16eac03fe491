import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ManualClock } from '../helpers/manual-clock.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * `cache.rules`: the operator's say over the response cache, first match wins. `auto` caches without the
 * caller's header, `off` refuses it even when asked (`BYPASS`), `caller` leaves it to the header, and
 * `maxAgeSeconds` caps an entry's lifetime. Time is a `ManualClock`.
 */
const clock = new ManualClock();
let harness: TestGateway;
let client: OpenAI;
let autoKeyClient: OpenAI;
let cappedTeamClient: OpenAI;

const config = {
  groups: {
    'auto-coder': { targets: [{ model: 'openai:gpt-4o-mini' }] },
    'never-cached': { targets: [{ model: 'anthropic:claude-haiku-4-5' }] },
  },
  cache: {
    rules: [
      { match: { group: 'auto-coder' }, mode: 'auto', maxAgeSeconds: 60 },
      { match: { group: 'never-cached' }, mode: 'off' },
      { match: { key: 'auto-key' }, mode: 'auto' },
      { match: { model: 'mini', team: 'research' }, mode: 'auto' },
      { match: { team: 'capped' }, maxAgeSeconds: 5 },
      // Every call of team research the rules above did not take: never cached.
      { match: { team: 'research' }, mode: 'off' },
    ],
  },
};

beforeAll(async () => {
  harness = await startTestGateway(config, { clock: clock.now });
  client = openAiClient(harness.token);
  autoKeyClient = openAiClient(await harness.issueKey({ name: 'auto-key', teamName: 'elsewhere' }));
  cappedTeamClient = openAiClient(await harness.issueKey({ name: 'capped-key', teamName: 'capped' }));
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

function openAiClient(token: string): OpenAI {
  return new OpenAI({ apiKey: token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
}

const question = (model: string, content: string) => ({ model, messages: [{ role: 'user' as const, content }] });

async function cacheHeaderOf(caller: OpenAI, model: string, content: string, headers: Record<string, string> = {}): Promise<string | null> {
  const answer = await caller.chat.completions.create(question(model, content), { headers }).withResponse();
  return answer.response.headers.get('x-sluice-cache');
}

async function streamedText(caller: OpenAI, model: string, content: string, headers: Record<string, string> = {}): Promise<{ text: string; cache: string | null }> {
  const { data: stream, response } = await caller.chat.completions.create({ ...question(model, content), stream: true }, { headers }).withResponse();
  let text = '';
  for await (const chunk of stream) text += chunk.choices[0]?.delta.content ?? '';
  return { text, cache: response.headers.get('x-sluice-cache') };
}

describe('cache rules', () => {
  it('auto: caches a group without the caller asking, streamed and whole, and refresh still calls', async () => {
    expect(await cacheHeaderOf(client, 'auto-coder', 'auto whole')).toBe('MISS');
    const replayed = await streamedText(client, 'auto-coder', 'auto whole');
    expect(replayed.cache).toBe('HIT');
    expect(replayed.text.length).toBeGreaterThan(0);
    expect(harness.upstream.requests).toHaveLength(1);

    const first = await streamedText(client, 'auto-coder', 'auto stream');
    const second = await streamedText(client, 'auto-coder', 'auto stream');
    expect([first.cache, second.cache]).toEqual(['MISS', 'HIT']);
    expect(second.text).toBe(first.text);
    expect(harness.upstream.requests).toHaveLength(2);

    harness.upstream.enqueue({ reply: 'a fresher answer' });
    expect(await cacheHeaderOf(client, 'auto-coder', 'auto whole', { 'x-sluice-cache': 'refresh' })).toBe('MISS');
    const refreshed = await client.chat.completions.create(question('auto-coder', 'auto whole'));
    expect(refreshed.choices[0]?.message.content).toBe('a fresher answer');
    expect(harness.upstream.requests).toHaveLength(3);
  });

  it('maxAgeSeconds caps the lifetime the caller asks for', async () => {
    const longLived = { 'cache-control': 'max-age=86400' };
    expect(await cacheHeaderOf(client, 'auto-coder', 'capped at a minute', longLived)).toBe('MISS');
    clock.advance(59_999);
    expect(await cacheHeaderOf(client, 'auto-coder', 'capped at a minute', longLived)).toBe('HIT');
    clock.advance(1);
    expect(await cacheHeaderOf(client, 'auto-coder', 'capped at a minute', longLived)).toBe('MISS');

    // A `caller` rule with a cap: the header still decides, and the entry lives 5 s, not the hour asked for.
    expect(await cacheHeaderOf(cappedTeamClient, 'gpt-4o-mini', 'capped team')).toBeNull();
    const asked = { 'x-sluice-cache': 'true', 'cache-control': 'max-age=3600' };
    expect(await cacheHeaderOf(cappedTeamClient, 'gpt-4o-mini', 'capped team', asked)).toBe('MISS');
    clock.advance(4_999);
    expect(await cacheHeaderOf(cappedTeamClient, 'gpt-4o-mini', 'capped team', asked)).toBe('HIT');
    clock.advance(1);
    expect(await cacheHeaderOf(cappedTeamClient, 'gpt-4o-mini', 'capped team', asked)).toBe('MISS');
    expect(harness.upstream.requests).toHaveLength(5);
  });

  it('off: never caches, even when asked, streamed or whole, and says BYPASS', async () => {
    const anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
    const asked = { headers: { 'x-sluice-cache': 'true' } };
    const message = { model: 'never-cached', max_tokens: 50, messages: [{ role: 'user' as const, content: 'do not keep' }] };
    for (let round = 0; round < 2; round++) {
      const whole = await anthropic.messages.create(message, asked).withResponse();
      expect(whole.response.headers.get('x-sluice-cache')).toBe('BYPASS');
      const streamed = await anthropic.messages.create({ ...message, stream: true }, asked).withResponse();
      for await (const _event of streamed.data) {
        // drain
      }
      expect(streamed.response.headers.get('x-sluice-cache')).toBe('BYPASS');
    }
    expect(harness.upstream.requests).toHaveLength(4);
    // Not asked: nothing to refuse, so nothing is said.
    const unasked = await anthropic.messages.create(message).withResponse();
    expect(unasked.response.headers.get('x-sluice-cache')).toBeNull();
    // The team rule catches the team's plain-model calls too, OpenAI streams included.
    const { cache } = await streamedText(client, 'gpt-4o-mini', 'team rule', { 'x-sluice-cache': 'true' });
    expect(cache).toBe('BYPASS');
    expect(await cacheHeaderOf(client, 'gpt-4o-mini', 'team rule', { 'x-sluice-cache': 'true' })).toBe('BYPASS');
    expect(harness.upstream.requests).toHaveLength(7);
    expect((await harness.usageRows()).slice(-2).map((row) => row.cached)).toEqual([false, false]);
  });

  it('the first matching rule wins: by key, by model name, before a broader rule', async () => {
    // The key rule: any model, no header.
    expect(await cacheHeaderOf(autoKeyClient, 'gpt-4o-mini', 'by key')).toBe('MISS');
    expect(await cacheHeaderOf(autoKeyClient, 'gpt-4o-mini', 'by key')).toBe('HIT');
    // Team research: the `mini` alias is auto (model and team both match) before the team's `off`.
    expect(await cacheHeaderOf(client, 'mini', 'by model')).toBe('MISS');
    expect((await streamedText(client, 'mini', 'by model')).cache).toBe('HIT');
    expect(await cacheHeaderOf(client, 'gpt-4o-mini', 'by model', { 'x-sluice-cache': 'true' })).toBe('BYPASS');
    // No rule matches another team's plain call: the caller decides, as without rules.
    const outsider = openAiClient(await harness.issueKey({ name: 'outsider', teamName: 'nobody' }));
    expect(await cacheHeaderOf(outsider, 'gpt-4o-mini', 'no rule')).toBeNull();
    expect(await cacheHeaderOf(outsider, 'gpt-4o-mini', 'no rule', { 'x-sluice-cache': 'true' })).toBe('MISS');
    expect(await cacheHeaderOf(outsider, 'gpt-4o-mini', 'no rule', { 'x-sluice-cache': 'true' })).toBe('HIT');
    expect(harness.upstream.requests).toHaveLength(5);
  });
});

describe('cache rules on reload', () => {
  let reloadable: TestGateway;
  let admin: string;
  beforeAll(async () => {
    reloadable = await startTestGateway({}, { reloadable: true });
    admin = await reloadable.issueKey({ name: 'reload-admin', role: 'admin' });
  });
  afterAll(() => reloadable.close());

  it('a reload picks up new rules', async () => {
    const caller = new OpenAI({ apiKey: reloadable.token, baseURL: `${reloadable.url}/v1`, maxRetries: 0 });
    const header = async () => (await caller.chat.completions.create(question('gpt-4o-mini', 'reloaded')).withResponse()).response.headers.get('x-sluice-cache');
    expect(await header()).toBeNull();
    await reloadable.writeConfig({ cache: { rules: [{ match: { model: 'gpt-4o-mini' }, mode: 'auto' }] } });
    const reload = await fetch(`${reloadable.url}/admin/reload`, { method: 'POST', headers: { authorization: `Bearer ${admin}` } });
    expect(await reload.json()).toEqual({ reloaded: true, changed: ['cache'] });
    expect(await header()).toBe('MISS');
    expect(await header()).toBe('HIT');
  });
});
