import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../src/mock/fake-upstream.js';
import type { MockBehavior } from '../../src/mock/mock-behavior.js';
import { startTestGateway, upstreamKeys, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * `private: true` on a provider or a group target: the caller sees the group's name (or `private`) instead
 * of the provider, its model and its host — in headers, answers (whole and streamed) and errors — in every
 * shape, passed through or translated; the usage row still names everything. Each check reads the whole raw
 * answer (status line, headers and body bytes) and looks for the hidden names in it.
 */
const privateModel = 'llama-secret-70b';
/** What the upstream reports as its model: not the name Sluice sends, so only a rewrite of the field hides it. */
const reportedModel = 'srv-weights-secretweights-v2';
const chatOnlyProvider = 'secretlab';
const allShapesProvider = 'secretnative';
const geminiProvider = 'secretgem';
const hidden = [privateModel, reportedModel, chatOnlyProvider, allShapesProvider, geminiProvider, 'secretweights'];
const providerOf: Record<string, string> = { house: chatOnlyProvider, 'house-native': allShapesProvider, 'house-gemini': geminiProvider };

let privateUpstream: FakeUpstream;
let harness: TestGateway;

beforeAll(async () => {
  privateUpstream = await startFakeUpstream({ host: '127.0.0.1', port: 0, defaultBehavior: { model: reportedModel } });
  const base = `${privateUpstream.url}/v1`;
  harness = await startTestGateway({
    providers: {
      openai: { baseUrl: base, apiKey: 'sk-public-upstream' },
      // A vLLM server: OpenAI chat only, so the other shapes are translated.
      [chatOnlyProvider]: { type: 'openai-compatible', baseUrl: base, apiKey: upstreamKeys.vllm, private: true, models: [privateModel] },
      // A server that speaks OpenAI's and Anthropic's shapes: their callers pass through.
      [allShapesProvider]: {
        type: 'openai-compatible',
        baseUrl: base,
        apiKey: upstreamKeys.vllm,
        private: true,
        apis: ['openai-chat', 'openai-responses', 'anthropic-messages'],
      },
      // Gemini's own API on a private host: Gemini callers pass through, the others are translated to it.
      [geminiProvider]: { type: 'gemini', baseUrl: `${privateUpstream.url}/v1beta`, apiKey: upstreamKeys.gemini, private: true },
      // Private by its group target only.
      anthropic: { baseUrl: base, apiKey: 'sk-ant-public-upstream' },
      nowhere: { type: 'openai-compatible', baseUrl: 'http://127.0.0.1:9/v1', apiKey: upstreamKeys.vllm, private: true },
    },
    groups: {
      house: { targets: [{ model: `${chatOnlyProvider}:${privateModel}` }] },
      'house-native': { targets: [{ model: `${allShapesProvider}:${privateModel}` }] },
      'house-gemini': { targets: [{ model: `${geminiProvider}:${privateModel}` }] },
      mixed: { retry: { attempts: 1 }, targets: [{ model: `${chatOnlyProvider}:${privateModel}` }, { model: 'openai:gpt-4o-mini' }] },
      'claude-private': { targets: [{ model: 'anthropic:claude-haiku-4-5', private: true }] },
      unreachable: { retry: { attempts: 1 }, targets: [{ model: `nowhere:${privateModel}` }] },
      'house-embed': { targets: [{ model: `${allShapesProvider}:${privateModel}`, embeddings: true }] },
    },
    aliases: { inhouse: `${chatOnlyProvider}:${privateModel}` },
  });
});
afterAll(async () => {
  await harness.close();
  await privateUpstream.close();
});
beforeEach(() => privateUpstream.reset());

type Shape = 'openai-chat' | 'openai-responses' | 'anthropic-messages' | 'gemini';
const shapes: Shape[] = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'];

/** One call in `shape` for `model`, answered as raw text: status line, headers, body bytes. */
async function rawCall(
  shape: Shape,
  model: string,
  stream: boolean,
  extraHeaders: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; raw: string; body: string }> {
  const headers: Record<string, string> = { 'content-type': 'application/json', authorization: `Bearer ${harness.token}`, ...extraHeaders };
  let path: string;
  let body: Record<string, unknown>;
  switch (shape) {
    case 'openai-chat':
      path = '/v1/chat/completions';
      body = { model, stream, messages: [{ role: 'user', content: 'who are you?' }] };
      break;
    case 'openai-responses':
      path = '/v1/responses';
      body = { model, stream, input: 'who are you?' };
      break;
    case 'anthropic-messages':
      path = '/v1/messages';
      headers['anthropic-version'] = '2023-06-01';
      body = { model, stream, max_tokens: 64, messages: [{ role: 'user', content: 'who are you?' }] };
      break;
    case 'gemini':
      path = `/v1beta/models/${model}:${stream ? 'streamGenerateContent?alt=sse' : 'generateContent'}`;
      body = { contents: [{ role: 'user', parts: [{ text: 'who are you?' }] }] };
      break;
  }
  return rawAnswerOf(await fetch(`${harness.url}${path}`, { method: 'POST', headers, body: JSON.stringify(body) }));
}

async function rawAnswerOf(response: Response): Promise<{ status: number; headers: Headers; raw: string; body: string }> {
  const text = Buffer.from(await response.arrayBuffer()).toString('utf8');
  let head = `HTTP ${response.status}\n`;
  response.headers.forEach((value, name) => {
    head += `${name}: ${value}\n`;
  });
  return { status: response.status, headers: response.headers, raw: `${head}\n${text}`, body: text };
}

function expectNothingHidden(raw: string): void {
  for (const name of hidden) expect(raw, `'${name}' leaked`).not.toContain(name);
}

async function callWith(behavior: MockBehavior | undefined, shape: Shape, model: string, stream: boolean) {
  if (behavior) privateUpstream.enqueue({ model: reportedModel, ...behavior });
  return rawCall(shape, model, stream);
}

describe('private targets', () => {
  for (const group of ['house', 'house-native', 'house-gemini']) {
    for (const shape of shapes) {
      for (const stream of [false, true]) {
        it(`${group}, ${shape}, ${stream ? 'streamed' : 'whole'}: answers name the group, never the target`, async () => {
          const answer = await rawCall(shape, group, stream);
          expect(answer.status).toBe(200);
          expect(answer.headers.get('x-sluice-provider')).toBe(group);
          expect(answer.headers.get('x-sluice-model')).toBe(group);
          expect(answer.headers.get('x-sluice-route')).toBe(`${group}=200`);
          if (!stream) expect(answer.body).toContain('Hello from the Sluice mock upstream');
          // Where the shape names a model, it names the group the caller asked for.
          if (shape !== 'gemini' || !stream) expect(answer.body).toContain(group);
          expectNothingHidden(answer.raw);
          // The upstream was called by its real name, and the row keeps everything.
          const sent = privateUpstream.requests.at(-1)!;
          expect(JSON.stringify(sent.body ?? {}) + sent.path).toContain(privateModel);
          const row = (await harness.usageRows()).at(-1)!;
          expect(row).toMatchObject({ provider: providerOf[group], upstreamModel: privateModel, reportedModel, groupName: group });
        });

        it(`${group}, ${shape}, ${stream ? 'streamed' : 'whole'}: upstream errors that name the model are told without it`, async () => {
          const answer = await callWith(
            { status: 404, errorMessage: `The model \`${privateModel}\` does not exist on ${providerOf[group]}` },
            shape,
            group,
            stream,
          );
          expect(answer.status).toBe(404);
          expect(answer.body).toContain('does not exist');
          expectNothingHidden(answer.raw);
        });
      }

      it(`${group}, ${shape}: an error event mid-stream is told without hidden names`, async () => {
        // Past the first content (else the attempt is retried before the caller sees anything).
        const answer = await callWith({ errorEventAt: 6, errorMessage: `${privateModel} on ${providerOf[group]} is overloaded` }, shape, group, true);
        expect(answer.body, answer.body).toContain('overloaded');
        expectNothingHidden(answer.raw);
      });
    }
  }

  it("Sluice's own errors about a private target name the group: an unreachable host", async () => {
    for (const stream of [false, true]) {
      const answer = await rawCall('openai-chat', 'unreachable', stream);
      expect(answer.status).toBe(502);
      expect(answer.body).toContain('unreachable');
      expectNothingHidden(answer.raw);
      expect(answer.raw).not.toContain('nowhere');
      expect(answer.raw).not.toContain('127.0.0.1:9/');
    }
    expect((await harness.usageRows()).at(-1)).toMatchObject({ provider: 'nowhere', upstreamModel: privateModel });
  });

  it('a fallback from a private target to a public one names only the public one', async () => {
    privateUpstream.enqueue({ status: 503, errorMessage: `${privateModel} is down` });
    privateUpstream.enqueue({ model: 'gpt-4o-mini' });
    const answer = await rawCall('openai-chat', 'mixed', false);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-sluice-route')).toBe('mixed=503;openai:gpt-4o-mini=200');
    expect(answer.headers.get('x-sluice-provider')).toBe('openai');
    expect(answer.headers.get('x-sluice-model')).toBe('gpt-4o-mini');
    expectNothingHidden(answer.raw);
    const row = (await harness.usageRows()).at(-1)!;
    expect(row.attemptTrail.map((attempt) => attempt.target)).toEqual([`${chatOnlyProvider}:${privateModel}`, 'openai:gpt-4o-mini']);
  });

  it('a group target marked private hides a provider that is not, and its upstream headers', async () => {
    for (const stream of [false, true]) {
      const answer = await rawCall('anthropic-messages', 'claude-private', stream);
      expect(answer.status).toBe(200);
      expect(answer.headers.get('x-sluice-provider')).toBe('claude-private');
      expect(answer.headers.get('request-id')).toBeNull();
      expect(answer.raw).not.toContain('claude-haiku-4-5');
      expect(answer.raw).not.toMatch(/anthropic:/);
    }
    // The same provider, asked for by its own name, is not hidden.
    const open = await rawCall('anthropic-messages', 'claude-haiku-4-5', false);
    expect(open.headers.get('x-sluice-provider')).toBe('anthropic');
    expect(open.headers.get('request-id')).not.toBeNull();
  });

  it('a private model asked for by name is answered as `private`', async () => {
    const answer = await rawCall('openai-chat', `${allShapesProvider}:${privateModel}`, false);
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-sluice-provider')).toBe('private');
    expect(answer.headers.get('x-sluice-model')).toBe('private');
    expect(JSON.parse(answer.body)).toMatchObject({ model: 'private' });
    expectNothingHidden(answer.raw.replace(`x-sluice-group`, ''));
  });

  it('cached answers of a private group, replayed in another shape or delivery, name the group', async () => {
    const cacheOn = { 'x-sluice-cache': 'true' };
    // Entries are per shape; a recorded stream served whole, or a whole answer replayed as a stream.
    for (const [shape, storedStream] of [
      ['openai-chat', false],
      ['anthropic-messages', true],
      ['gemini', false],
      ['openai-responses', true],
    ] as const) {
      expect((await rawCall(shape, 'house', storedStream, cacheOn)).headers.get('x-sluice-cache')).toBe('MISS');
      const hit = await rawCall(shape, 'house', !storedStream, cacheOn);
      expect(hit.headers.get('x-sluice-cache')).toBe('HIT');
      expect(hit.body).toContain('house');
      expectNothingHidden(hit.raw);
    }
  });

  it('/v1/models lists the groups and aliases, never a private provider or its models', async () => {
    for (const path of ['/v1/models', '/v1/models?verbose=true']) {
      const listing = await rawAnswerOf(await fetch(`${harness.url}${path}`, { headers: { authorization: `Bearer ${harness.token}` } }));
      expect(listing.status).toBe(200);
      const ids = (JSON.parse(listing.body) as { data: Array<{ id: string }> }).data.map((model) => model.id);
      expect(ids).toEqual(expect.arrayContaining(['house', 'house-native', 'inhouse', 'gpt-4o-mini']));
      expectNothingHidden(listing.raw);
    }
  });

  it('embeddings from a private target name the group', async () => {
    const answer = await rawAnswerOf(
      await fetch(`${harness.url}/v1/embeddings`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.token}` },
        body: JSON.stringify({ model: 'house-embed', input: 'embed me' }),
      }),
    );
    expect(answer.status).toBe(200);
    expect(JSON.parse(answer.body)).toMatchObject({ model: 'house-embed' });
    expect(answer.headers.get('x-sluice-provider')).toBe('house-embed');
    expectNothingHidden(answer.raw);
  });
});
