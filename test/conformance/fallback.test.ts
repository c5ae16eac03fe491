import Anthropic from '@anthropic-ai/sdk';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { MockBehavior } from '../../src/mock/mock-behavior.js';
import { startTestGateway, type TestGateway } from '../helpers/start-test-gateway.js';

/**
 * Fallback before the first byte, for every caller shape × streamed/whole × failure kind: the official SDK
 * gets one clean answer from the next target, and the answer says every attempt. After the first content
 * a failure is the caller's: one in-shape error, one attempt.
 *
 * Each case has its own group with its own target ids (`openai:fallback-N`, `anthropic:fallback-N`), so
 * the cooldowns one case causes never steer another.
 */
const callers = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'] as const;
type Caller = (typeof callers)[number];

const failures: Array<{ name: string; behavior: MockBehavior; streamOnly?: boolean; code: RegExp }> = [
  { name: '429 with retry-after', behavior: { status: 429, retryAfter: 1 }, code: /=429$/ },
  { name: '500', behavior: { status: 500 }, code: /=500$/ },
  { name: 'connection reset', behavior: { dropAfterEvents: 0 }, code: /=(200|upstream_unreachable|upstream_stream_interrupted)$/ },
  // A stream's time-to-first-token deadline may fire before its first-byte clock does: either moves on. A
  // whole answer runs on the total clock.
  { name: 'hang before headers', behavior: { hang: true }, code: /=(upstream_timeout\.first_byte|upstream_timeout\.total|time_to_first_token_exceeded)$/ },
  { name: 'in-band error before the first delta', behavior: { errorEventAt: 1 }, streamOnly: true, code: /=200$/ },
  { name: 'cut before the first delta', behavior: { dropAfterEvents: 1 }, streamOnly: true, code: /=200$/ },
  { name: 'time-to-first-token deadline', behavior: { chunkDelayMs: 700 }, streamOnly: true, code: /=200$/ },
];

interface Case {
  caller: Caller;
  stream: boolean;
  failure: (typeof failures)[number];
  group: string;
}

const cases: Case[] = [];
for (const caller of callers) {
  for (const stream of [false, true]) {
    for (const failure of failures) {
      if (failure.streamOnly && !stream) continue;
      cases.push({ caller, stream, failure, group: `fallback-${cases.length}` });
    }
  }
}
/** Events each upstream wire sends before its first content delta, plus one: cutting there is after content. */
const firstDeltaIndex: Record<Caller, number> = { 'openai-chat': 3, 'openai-responses': 7, 'anthropic-messages': 3, gemini: 3 };
const afterContent = callers.map((caller, index) => ({ caller, group: `committed-${index}` }));

function groupConfig(name: string) {
  return {
    policy: 'failover',
    targets: [{ model: `openai:${name}` }, { model: `anthropic:${name}` }],
    // One try per target: every failure here must move to the next target.
    retry: { attempts: 1, maxRetryAfterMs: 5_000 },
    timeToFirstTokenMs: 400,
  };
}

let harness: TestGateway;

beforeAll(async () => {
  const groups: Record<string, unknown> = {};
  for (const { group } of [...cases, ...afterContent]) groups[group] = groupConfig(group);
  // timeoutMs is a stream's first byte; a whole answer that hangs ends on the total clock.
  harness = await startTestGateway({ upstream: { timeoutMs: 400, timeouts: { totalMs: 1_000 }, connectTimeoutMs: 1_000, connectionsPerOrigin: 64 }, groups });
});
afterAll(() => harness.close());
beforeEach(() => harness.upstream.reset());

interface Answered {
  headers: Headers;
  text: string;
}

/** One call in the caller's shape with its official client (Gemini: its REST shape over fetch). */
async function call(caller: Caller, model: string, stream: boolean): Promise<Answered> {
  const openai = new OpenAI({ apiKey: harness.token, baseURL: `${harness.url}/v1`, maxRetries: 0 });
  const anthropic = new Anthropic({ apiKey: harness.token, baseURL: harness.url, maxRetries: 0 });
  switch (caller) {
    case 'openai-chat': {
      const messages = [{ role: 'user' as const, content: 'Say hello' }];
      if (!stream) {
        const { data, response } = await openai.chat.completions.create({ model, messages }).withResponse();
        return { headers: response.headers, text: data.choices[0]?.message.content ?? '' };
      }
      const { data, response } = await openai.chat.completions.create({ model, messages, stream: true }).withResponse();
      let text = '';
      for await (const chunk of data) text += chunk.choices[0]?.delta.content ?? '';
      return { headers: response.headers, text };
    }
    case 'openai-responses': {
      if (!stream) {
        const { data, response } = await openai.responses.create({ model, input: 'Say hello' }).withResponse();
        return { headers: response.headers, text: data.output_text };
      }
      const { data, response } = await openai.responses.create({ model, input: 'Say hello', stream: true }).withResponse();
      let text = '';
      for await (const event of data) {
        if (event.type === 'response.output_text.delta') text += event.delta;
        // The SDK hands a Responses stream's error event over as an event, not as a thrown error.
        if (event.type === 'error') throw new Error(`responses stream error event: ${event.message}`);
      }
      return { headers: response.headers, text };
    }
    case 'anthropic-messages': {
      const request = { model, max_tokens: 64, messages: [{ role: 'user' as const, content: 'Say hello' }] };
      if (!stream) {
        const { data, response } = await anthropic.messages.create(request).withResponse();
        return { headers: response.headers, text: data.content.map((block) => (block.type === 'text' ? block.text : '')).join('') };
      }
      const { data, response } = await anthropic.messages.create({ ...request, stream: true }).withResponse();
      let text = '';
      for await (const event of data) if (event.type === 'content_block_delta' && event.delta.type === 'text_delta') text += event.delta.text;
      return { headers: response.headers, text };
    }
    case 'gemini': {
      const action = stream ? 'streamGenerateContent?alt=sse' : 'generateContent';
      const response = await fetch(`${harness.url}/v1beta/models/${model}:${action}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-goog-api-key': harness.token },
        body: JSON.stringify({ contents: [{ role: 'user', parts: [{ text: 'Say hello' }] }] }),
      });
      if (response.status !== 200) throw new Error(`gemini caller got ${response.status}: ${await response.text()}`);
      const body = await response.text();
      const chunks = stream ? body.split('\n\n').filter((frame) => frame.startsWith('data: ')).map((frame) => frame.slice(6)) : [body];
      let text = '';
      for (const chunk of chunks) {
        const parsed = JSON.parse(chunk) as { error?: unknown; candidates?: Array<{ content?: { parts?: Array<{ text?: string }> } }> };
        if (parsed.error) throw new Error(`gemini caller got an error event: ${chunk}`);
        text += parsed.candidates?.[0]?.content?.parts?.map((part) => part.text ?? '').join('') ?? '';
      }
      return { headers: response.headers, text };
    }
  }
}

describe('fallback before the first byte', () => {
  it.each(cases.map((testCase) => [testCase.caller, testCase.stream ? 'stream' : 'whole', testCase.failure.name, testCase] as const))(
    '%s, %s: %s → one clean answer from the next target',
    async (_caller, _mode, _failure, testCase) => {
      harness.upstream.enqueue(testCase.failure.behavior);
      const answered = await call(testCase.caller, testCase.group, testCase.stream);
      expect(answered.text.length).toBeGreaterThan(0);
      expect(answered.text).not.toMatch(/error|overloaded/i);
      expect(answered.headers.get('x-sluice-group')).toBe(testCase.group);
      expect(answered.headers.get('x-sluice-provider')).toBe('anthropic');
      expect(answered.headers.get('x-sluice-attempts')).toBe('2');
      const route = answered.headers.get('x-sluice-route')!.split(';');
      expect(route).toHaveLength(2);
      expect(route[0]).toMatch(new RegExp(`^openai:${testCase.group}`));
      expect(route[0]).toMatch(testCase.failure.code);
      expect(route[1]).toBe(`anthropic:${testCase.group}=200`);
      const row = (await harness.usageRows()).at(-1)!;
      expect(row).toMatchObject({
        outcome: 'ok',
        provider: 'anthropic',
        upstreamModel: testCase.group,
        statusCode: 200,
        groupName: testCase.group,
        policy: 'failover',
        attempts: 2,
        fallback: true,
      });
      expect(row.attemptTrail.map((attempt) => attempt.target)).toEqual([`openai:${testCase.group}`, `anthropic:${testCase.group}`]);
      expect(row.attemptTrail[0]!.errorCode).not.toBeNull();
      expect(row.attemptTrail[1]).toMatchObject({ statusCode: 200, errorCode: null });
      expect(row.attemptTrail[1]!.timeToFirstByteMs).not.toBeNull();
      // What the fallback's answer cost: only its own tokens are billed.
      expect(row.inputTokens).toBeGreaterThan(0);
    },
  );

  it('a slow whole answer is not cut by the time-to-first-token deadline (it bounds streams only)', async () => {
    harness.upstream.enqueue({ delayMs: 250, chunkDelayMs: 700 });
    const answered = await call('openai-chat', cases[0]!.group, false);
    expect(answered.headers.get('x-sluice-attempts')).toBe('1');
    expect(answered.headers.get('x-sluice-provider')).toBe('openai');
  });
});

describe('after the first content, the answer is committed', () => {
  it.each(afterContent.map((testCase) => [testCase.caller, testCase] as const))(
    '%s: a cut stream ends with one in-shape error, one attempt, one billed row',
    async (_caller, testCase) => {
      harness.upstream.enqueue({ dropAfterEvents: firstDeltaIndex[testCase.caller], reply: 'one two three four five six seven eight' });
      const rowsBefore = (await harness.usageRows()).length;
      await expect(call(testCase.caller, testCase.group, true)).rejects.toThrow();
      const rows = (await harness.usageRows()).slice(rowsBefore);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ provider: 'openai', outcome: 'error', errorCode: 'upstream_stream_interrupted', attempts: 1, fallback: false });
      expect(rows[0]!.outputTokens).toBeGreaterThan(0);
      // Only the first target was ever asked.
      expect(harness.upstream.requests).toHaveLength(1);
    },
  );
});
