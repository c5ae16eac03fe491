import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { isNestedDeeperThan, maximumJsonNestingDepth } from '../../src/server/http/json-nesting-depth.js';
import { safeHeaderValue } from '../../src/server/http/safe-header-value.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Caller input that once hung a request or answered 500: model names that are Object.prototype members,
 * characters a header cannot carry, and bodies nested deep enough to overflow recursive code. Every one of
 * them must get an answer, in the caller's shape, with the right status.
 */
let harness: TestGateway;

beforeAll(async () => {
  harness = await startTestGateway({
    pricing: { constructor: { inputPerMillion: 1, outputPerMillion: 2 } },
    aliases: { haiku: 'anthropic:claude-haiku-4-5', toString: 'openai:gpt-4o-mini' },
  });
});
afterAll(() => harness.close());

interface Answer {
  status: number;
  headers: Headers;
  body: unknown;
}

/** Fails the test if no answer comes within the deadline: a hang is the bug being tested. */
async function post(path: string, body: unknown, headers: Record<string, string> = {}): Promise<Answer> {
  const response = await fetch(`${harness.url}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${harness.token}`, ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
    signal: AbortSignal.timeout(5_000),
  });
  const text = await response.text();
  const streamed = response.headers.get('content-type')?.startsWith('text/event-stream');
  return { status: response.status, headers: response.headers, body: streamed ? text : (JSON.parse(text) as unknown) };
}

const routes = [
  { name: 'chat', path: (model: string) => ['/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }] as const },
  { name: 'responses', path: (model: string) => ['/v1/responses', { model, input: 'hi' }] as const },
  { name: 'messages', path: (model: string) => ['/v1/messages', { model, max_tokens: 16, messages: [{ role: 'user', content: 'hi' }] }] as const },
  {
    name: 'count_tokens',
    path: (model: string) => ['/v1/messages/count_tokens', { model, messages: [{ role: 'user', content: 'hi' }] }] as const,
  },
  {
    name: 'gemini native',
    path: (model: string) =>
      [`/v1beta/models/${percentEncode(model)}:generateContent`, { contents: [{ role: 'user', parts: [{ text: 'hi' }] }] }] as const,
  },
  {
    name: 'pinned to openai',
    path: (model: string) => ['/openai/v1/chat/completions', { model, messages: [{ role: 'user', content: 'hi' }] }] as const,
  },
];

/** encodeURIComponent throws on a lone surrogate; Buffer turns it into U+FFFD like any client would. */
function percentEncode(text: string): string {
  return [...Buffer.from(text, 'utf8')].map((byte) => `%${byte.toString(16).padStart(2, '0')}`).join('');
}

function expectInShape(routeName: string, answer: Answer): void {
  if (routeName === 'messages' || routeName === 'count_tokens') {
    expect(answer.body).toMatchObject({ type: 'error', error: { type: expect.any(String), message: expect.any(String) } });
  } else if (routeName === 'gemini native') {
    expect(answer.body).toMatchObject({ error: { code: answer.status, message: expect.any(String), status: expect.any(String) } });
  } else {
    expect(answer.body).toMatchObject({ error: { message: expect.any(String), code: expect.any(String) } });
  }
}

describe('model names that are Object.prototype members', () => {
  const names = ['constructor', '__proto__', 'hasOwnProperty', 'valueOf', '__defineGetter__', 'isPrototypeOf'];

  for (const route of routes) {
    it(`${route.name}: 404 in the caller's shape, never 500`, async () => {
      for (const name of names) {
        const [path, body] = route.path(name);
        const answer = await post(path, body);
        if (route.name === 'pinned to openai') {
          // A pinned provider takes any model name: the upstream is asked and answers.
          expect(answer.status, name).toBe(200);
          expect(answer.headers.get('x-sluice-model')).toBe(name);
          continue;
        }
        expect(answer.status, `${route.name} ${name}`).toBe(404);
        expectInShape(route.name, answer);
      }
    });
  }

  it('an alias named toString routes where the config says, and a price override keyed constructor is just a name', async () => {
    const viaAlias = await post('/v1/chat/completions', { model: 'toString', messages: [{ role: 'user', content: 'hi' }] });
    expect(viaAlias.status).toBe(200);
    expect(viaAlias.headers.get('x-sluice-model')).toBe('gpt-4o-mini');
  });

  it('config refuses __proto__ as a name instead of dropping it, and accepts constructor', () => {
    for (const section of ['aliases', 'providers', 'pricing'] as const) {
      const value = section === 'aliases' ? 'openai:gpt-4o' : section === 'providers' ? { baseUrl: 'http://127.0.0.1:1/v1' } : { inputPerMillion: 1, outputPerMillion: 1 };
      const raw = JSON.parse(`{"${section}": {"__proto__": ${JSON.stringify(value)}}}`) as Record<string, unknown>;
      expect(() => parseConfig(raw, {}), section).toThrow(/__proto__/);
      const accepted = parseConfig({ [section]: { constructor: value } }, {});
      // Price overrides sit beside the `preferBilled` switch, under `overrides`.
      const names = section === 'pricing' ? accepted.pricing.overrides : accepted[section];
      expect(Object.hasOwn(names, 'constructor'), section).toBe(true);
    }
  });
});

describe('characters a header cannot carry', () => {
  const oddNames = ['gpt-4o-mini-☺', 'gpt-4o-mini\u2028x', 'gpt-4o-mini\u0000', 'gpt-4o-mini\r\nx-injected: 1', 'gpt-4o-mini-é', 'gpt-4o-mini-\ud800', 'gpt-4o-mini-\u007f'];

  it('safeHeaderValue percent-encodes everything outside printable ASCII and leaves the rest alone', () => {
    expect(safeHeaderValue('gpt-4o-mini')).toBe('gpt-4o-mini');
    expect(safeHeaderValue('gpt-4o-mini-☺')).toBe('gpt-4o-mini-%E2%98%BA');
    expect(safeHeaderValue('a\r\nb')).toBe('a%0D%0Ab');
    expect(safeHeaderValue('\ud800')).toBe('%EF%BF%BD');
    expect(safeHeaderValue('x'.repeat(5000))).toHaveLength(1024);
  });

  for (const route of routes) {
    it(`${route.name}: every odd model name gets an answer`, async () => {
      for (const name of oddNames) {
        const [path, body] = route.path(name);
        const answer = await post(path, body);
        // Every name reaches the upstream, which answers; only Gemini's URL cannot carry a line break.
        const routable = route.name !== 'gemini native' || !/[\r\n\u2028]/u.test(name);
        expect(answer.status, `${route.name} ${JSON.stringify(name)}`).toBe(routable ? 200 : 404);
        if (answer.status >= 400) expectInShape(route.name, answer);
        expect(answer.headers.get('x-injected')).toBeNull();
        const model = answer.headers.get('x-sluice-model');
        if (answer.status === 200 && route.name !== 'gemini native') {
          // The name reached the upstream as sent and came back in the header made safe.
          expect(model).toBe(safeHeaderValue(name));
        }
      }
    });
  }

  it('odd characters in attribution headers and streamed answers still end with an answer', async () => {
    const answer = await post(
      '/v1/chat/completions',
      { model: 'gpt-4o-mini-☺', stream: true, messages: [{ role: 'user', content: 'hi' }] },
      { 'x-sluice-user': 'ad\u00e9', 'x-sluice-tags': 'a,\u00ff' },
    );
    expect(answer.status).toBe(200);
    expect(answer.headers.get('x-sluice-model')).toBe('gpt-4o-mini-%E2%98%BA');
  });
});

describe('bodies nested deeper than the limit', () => {
  /** Built as text: JSON.stringify itself overflows on a value this deep. */
  function nested(depth: number): string {
    return '{"type":"object","properties":{"inner":'.repeat(depth) + '{"type":"string"}' + '}}'.repeat(depth);
  }

  it('the check counts levels exactly', () => {
    expect(isNestedDeeperThan({ a: [1] }, 2)).toBe(false);
    expect(isNestedDeeperThan({ a: [[1]] }, 2)).toBe(true);
    expect(isNestedDeeperThan('text', 0)).toBe(false);
    const deep = JSON.parse('['.repeat(100_000) + ']'.repeat(100_000)) as unknown;
    expect(isNestedDeeperThan(deep, maximumJsonNestingDepth)).toBe(true);
  });

  it('a 10,000-level tool schema is refused with 400 before any work, on every route', async () => {
    const schema = nested(10_000);
    const messages = '[{"role":"user","content":"hi"}]';
    const requests: Array<[string, string]> = [
      ['/v1/chat/completions', `{"model":"claude-haiku-4-5","messages":${messages},"tools":[{"type":"function","function":{"name":"deep","parameters":${schema}}}]}`],
      ['/v1/messages', `{"model":"gpt-4o-mini","max_tokens":16,"messages":${messages},"tools":[{"name":"deep","input_schema":${schema}}]}`],
      ['/v1/messages/count_tokens', `{"model":"claude-haiku-4-5","messages":${messages},"tools":[{"name":"deep","input_schema":${schema}}]}`],
      ['/v1/responses', `{"model":"claude-haiku-4-5","input":"hi","tools":[{"type":"function","name":"deep","parameters":${schema}}]}`],
      ['/v1beta/models/gpt-4o-mini:generateContent', `{"contents":[{"role":"user","parts":[{"text":"hi"}]}],"tools":[{"functionDeclarations":[{"name":"deep","parameters":${schema}}]}]}`],
    ];
    const upstreamCallsBefore = harness.upstream.requests.length;
    for (const [path, body] of requests) {
      const answer = await post(path, body);
      expect(answer.status, path).toBe(400);
      expect(JSON.stringify(answer.body)).toContain(`deeper than ${maximumJsonNestingDepth}`);
    }
    expect(harness.upstream.requests.length).toBe(upstreamCallsBefore);
  });

  it('a schema just inside the limit still goes through', async () => {
    const tool = { type: 'function', function: { name: 'ok', parameters: JSON.parse(nested(40)) as unknown } };
    const answer = await post('/v1/chat/completions', { model: 'claude-haiku-4-5', messages: [{ role: 'user', content: 'hi' }], tools: [tool] });
    expect(answer.status).toBe(200);
  });
});
