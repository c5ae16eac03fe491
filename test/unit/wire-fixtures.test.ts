import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Dialect } from '../../src/dialects/dialect.js';
import type { DialectName } from '../../src/domain/dialect-name.js';
import { dialects } from '../../src/dialects/dialects.js';
import type { IrStreamEvent } from '../../src/ir/ir-types.js';
import { createSseDecoder, type SseEvent } from '../../src/upstream/sse-decoder.js';
import type { TokenUsage } from '../../src/domain/token-usage.js';

/**
 * The decoders and stream taps of every dialect read what the providers themselves put on the wire
 * (test/fixtures/wire, sources in its README), not what Sluice's own encoders write. Every expected value
 * here is read off the fixture by hand.
 */

const fixtureDirectory = new URL('../fixtures/wire/', import.meta.url);
const providerDirectories: Record<string, DialectName> = {
  anthropic: 'anthropic-messages',
  'openai-chat': 'openai-chat',
  'openai-responses': 'openai-responses',
  gemini: 'gemini',
};

const bytesOf = (path: string): Buffer => readFileSync(new URL(path, fixtureDirectory));
const textOf = (path: string): string => bytesOf(path).toString('utf8');
const jsonOf = (path: string): unknown => JSON.parse(textOf(path));

/** Decodes SSE bytes delivered in the given pieces. */
function sseEvents(pieces: Uint8Array[]): SseEvent[] {
  const events: SseEvent[] = [];
  const decoder = createSseDecoder((event) => events.push(event));
  for (const piece of pieces) decoder.push(piece);
  decoder.end();
  return events;
}

const eventsOf = (path: string): SseEvent[] => sseEvents([bytesOf(path)]);

interface Replay {
  events: IrStreamEvent[];
  tap: ReturnType<Dialect['createStreamTap']>;
  /** Events the tap would hold back from the caller. */
  heldBack: SseEvent[];
}

/** Feeds one fixture through a dialect's stream decoder and stream tap, as the proxy does. */
function replay(dialect: DialectName, path: string, options = { removeInjectedUsageChunk: false }): Replay {
  const events = eventsOf(path);
  const tap = dialects[dialect].createStreamTap(options);
  const decode = dialects[dialect].createStreamDecoder();
  const decoded: IrStreamEvent[] = [];
  for (const event of events) {
    tap.observe(event);
    decoded.push(...decode(event));
  }
  return { events: decoded, tap, heldBack: events.filter((event) => !tap.shouldForward(event)) };
}

const usage = (inputTokens: number, outputTokens: number, cacheReadTokens = 0, cacheWriteTokens = 0, reasoningTokens = 0): TokenUsage => ({
  inputTokens,
  outputTokens,
  cacheReadTokens,
  cacheWriteTokens,
  reasoningTokens,
});

/** The value of the first `"name":"…"` in a fixture: opaque strings (signatures) read straight off the bytes. */
function rawField(path: string, name: string, occurrence = 0): string {
  const matches = [...textOf(path).matchAll(new RegExp(`"${name}":"([^"]+)"`, 'g'))];
  const value = matches[occurrence]?.[1];
  if (value === undefined) throw new Error(`${path} has no "${name}" number ${occurrence}`);
  return value;
}

describe('SSE decoding of every recorded stream', () => {
  const streams = Object.keys(providerDirectories).flatMap((directory) =>
    readdirSync(new URL(`${directory}/`, fixtureDirectory))
      .filter((name) => name.endsWith('.sse'))
      .map((name) => `${directory}/${name}`),
  );

  it('finds the fixtures', () => {
    expect(streams.length).toBeGreaterThanOrEqual(13);
  });

  it.each(streams)('%s decodes the same split at every byte offset, and byte by byte', (path) => {
    const bytes = bytesOf(path);
    const whole = sseEvents([bytes]);
    expect(whole.length).toBeGreaterThan(0);
    // Every event carries JSON (or the [DONE] marker): nothing was cut or glued together.
    for (const event of whole) if (event.data !== '[DONE]') expect(() => JSON.parse(event.data), event.data).not.toThrow();
    const expected = JSON.stringify(whole);
    const wrongOffsets: number[] = [];
    for (let offset = 1; offset < bytes.length; offset++) {
      if (JSON.stringify(sseEvents([bytes.subarray(0, offset), bytes.subarray(offset)])) !== expected) wrongOffsets.push(offset);
    }
    expect(wrongOffsets).toEqual([]);
    const single = Array.from({ length: bytes.length }, (_, index) => bytes.subarray(index, index + 1));
    expect(JSON.stringify(sseEvents(single))).toBe(expected);
  });
});

describe('Anthropic Messages', () => {
  const dialect = 'anthropic-messages';

  it('text with cache reads and writes: the whole prompt is input, the last message_delta has the output', () => {
    const path = 'anthropic/stream-text-cache.sse';
    const { events, tap } = replay(dialect, path);
    const second = '! Un café, or 日本語 — either is fine 🙂';
    expect(events).toEqual([
      { type: 'start', id: 'msg_01XFDUDYJgAACzvnptvVoYEL', model: 'claude-sonnet-4-5-20250929', usage: usage(21 + 188 + 1200, 1, 1200, 188) },
      { type: 'text-delta', text: 'Hello' },
      { type: 'text-delta', text: second },
      { type: 'finish', stopReason: 'end', stopSequence: null, usage: usage(21 + 188 + 1200, 15, 1200, 188) },
    ]);
    expect(tap.facts()).toEqual({ usage: usage(1409, 15, 1200, 188), reportedModel: 'claude-sonnet-4-5-20250929', responseId: 'msg_01XFDUDYJgAACzvnptvVoYEL', finishReasons: ['end_turn'] });
    expect(tap.outputReported()).toBe(true);
    expect(tap.completed()).toBe(true);
    expect(tap.generatedCharacters()).toBe('Hello'.length + second.length);
    expect(tap.upstreamErrorMessage()).toBeUndefined();
  });

  it('tool_use with input_json_delta pieces (recorded)', () => {
    const { events, tap } = replay(dialect, 'anthropic/stream-tool-use.sse');
    const pieces = ['', '{"locati', 'on": "P', 'ar', 'is"}'];
    expect(events).toEqual([
      { type: 'start', id: 'msg_019Q1hrJbZG26Fb9BQhrkHEr', model: 'claude-opus-4-8', usage: usage(377, 1) },
      { type: 'text-delta', text: 'I' },
      { type: 'text-delta', text: "'ll check the current weather in Paris for you." },
      { type: 'tool-call-start', index: 0, id: 'toolu_01NRLabsLyVHZPKxbKvkfSMn', name: 'get_weather' },
      ...pieces.map((piece) => ({ type: 'tool-call-delta', index: 0, argumentsDelta: piece })),
      { type: 'finish', stopReason: 'tool_calls', stopSequence: null, usage: usage(377, 65) },
    ]);
    expect(JSON.parse(pieces.join(''))).toEqual({ location: 'Paris' });
    expect(tap.facts().usage).toEqual(usage(377, 65));
    expect(tap.generatedCharacters()).toBe("I'll check the current weather in Paris for you.".length + pieces.join('').length);
    expect(tap.completed()).toBe(true);
  });

  it('thinking, then its signature, then text', () => {
    const path = 'anthropic/stream-thinking.sse';
    const { events, tap } = replay(dialect, path);
    expect(events).toEqual([
      { type: 'start', id: 'msg_01Vz1ayUAKcvpQxCcGHqrGuU', model: 'claude-sonnet-4-5-20250929', usage: usage(48, 4) },
      { type: 'reasoning-delta', text: 'I need to find the GCD of 1071 and 462 using the Euclidean algorithm.\n\n1071 = 2 × 462 + 147' },
      { type: 'reasoning-delta', text: '\n462 = 3 × 147 + 21\n147 = 7 × 21 + 0\n\nSo GCD(1071, 462) = 21' },
      { type: 'reasoning-state', state: { family: 'anthropic', value: rawField(path, 'signature') } },
      { type: 'text-delta', text: 'The greatest common divisor of 1071 and 462 is **21**.' },
      { type: 'finish', stopReason: 'end', stopSequence: null, usage: usage(48, 129) },
    ]);
    expect(rawField(path, 'signature')).toMatch(/^EqQB/);
    expect(tap.facts().usage).toEqual(usage(48, 129));
  });

  it('thinking tokens, a refusal, and padding after the JSON (recorded)', () => {
    const path = 'anthropic/stream-thinking-refusal.sse';
    const { events, tap } = replay(dialect, path);
    expect(events.at(0)).toEqual({ type: 'start', id: 'msg_fixture_a_0001', model: 'claude-fable-5', usage: usage(28, 5) });
    expect(events.filter((event) => event.type === 'reasoning-delta').map((event) => event.text).join('')).toMatch(/^Simple educational question .* roll with it politely\.$/);
    expect(events).toContainEqual({ type: 'reasoning-state', state: { family: 'anthropic', value: 'c3ludGhldGljLXNpZ25hdHVyZS1maXh0dXJlLWEtbm90LWEtcmVhbC1zaWduYXR1cmU=' } });
    expect(events).toContainEqual({ type: 'text-delta', text: 'Hi' });
    // output_tokens_details.thinking_tokens: 67 of the 106 output tokens were thinking.
    expect(events.at(-1)).toEqual({ type: 'finish', stopReason: 'refusal', stopSequence: null, usage: usage(28, 106, 0, 0, 67) });
    expect(tap.facts().usage).toEqual(usage(28, 106, 0, 0, 67));
    expect(tap.completed()).toBe(true);
  });

  it('an error event in the stream', () => {
    const { events, tap } = replay(dialect, 'anthropic/stream-error.sse');
    expect(events).toEqual([
      { type: 'start', id: 'msg_01LkQ2v7hqUu4vQWyp3v9qNn', model: 'claude-haiku-4-5-20251001', usage: usage(12, 1) },
      { type: 'text-delta', text: 'Once upon a time' },
      { type: 'error', status: 529, message: 'Overloaded' },
    ]);
    expect(tap.upstreamErrorMessage()).toBe('Overloaded');
    expect(tap.completed()).toBe(false);
    // No final count arrived: the proxy estimates the output from the characters seen.
    expect(tap.outputReported()).toBe(false);
    expect(tap.generatedCharacters()).toBe('Once upon a time'.length);
    expect(tap.facts().usage).toEqual(usage(12, 1));
  });

  it('a whole message: thinking, redacted thinking, text, tool_use, cache reads', () => {
    const path = 'anthropic/message.json';
    const body = jsonOf(path);
    expect(dialects[dialect].decodeResponse(body)).toEqual({
      id: 'msg_01Aq9w938a90dw8q',
      model: 'claude-sonnet-4-5-20250929',
      content: [
        { type: 'reasoning', text: 'The user wants the weather in Paris, so I should call get_weather.', state: { family: 'anthropic', value: rawField(path, 'signature') } },
        { type: 'reasoning', text: '', redacted: rawField(path, 'data') },
        { type: 'text', text: "I'll check the current weather in Paris for you." },
        { type: 'tool-call', id: 'toolu_01A09q90qw90lq917835lq9', name: 'get_weather', arguments: JSON.stringify({ location: 'Paris, France', unit: 'celsius' }) },
      ],
      stopReason: 'tool_calls',
      stopSequence: null,
      usage: usage(472 + 2048, 89, 2048),
    });
    expect(dialects[dialect].readResponse(body)).toEqual({ usage: usage(2520, 89, 2048), reportedModel: 'claude-sonnet-4-5-20250929', responseId: 'msg_01Aq9w938a90dw8q', finishReasons: ['tool_use'] });
  });
});

describe('OpenAI Chat Completions', () => {
  const dialect = 'openai-chat';

  it('text, then the usage chunk with cached and reasoning tokens, which an injected include_usage hides', () => {
    const path = 'openai-chat/stream-text-usage.sse';
    const texts = ['Rayleigh', ' scattering — blue light (≈450 nm)', ' scatters most.'];
    const { events, tap, heldBack } = replay(dialect, path, { removeInjectedUsageChunk: true });
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-BxT3kq9Zl1M2uXa7fVwYcP0dRs6Hn', model: 'o4-mini-2025-04-16' },
      ...texts.map((text) => ({ type: 'text-delta', text })),
      { type: 'finish', stopReason: 'end', usage: usage(1117, 46, 1024, 0, 30) },
    ]);
    expect(tap.facts()).toEqual({ usage: usage(1117, 46, 1024, 0, 30), reportedModel: 'o4-mini-2025-04-16', responseId: 'chatcmpl-BxT3kq9Zl1M2uXa7fVwYcP0dRs6Hn', finishReasons: ['stop'] });
    expect(tap.generatedCharacters()).toBe(texts.join('').length);
    expect(tap.completed()).toBe(true);
    // Only the usage-only chunk (no choices) is held back, and only when Sluice asked for it.
    expect(heldBack).toHaveLength(1);
    expect(JSON.parse(heldBack[0]!.data)).toMatchObject({ choices: [], usage: { prompt_tokens: 1117 } });
    expect(replay(dialect, path, { removeInjectedUsageChunk: false }).heldBack).toEqual([]);
  });

  it('two tool calls, each announced once and its arguments in pieces', () => {
    const { events, tap } = replay(dialect, 'openai-chat/stream-tool-calls.sse');
    const weather = ['{"', 'location', '":"', 'Paris, France', '"}'];
    const time = ['{"timezone"', ':"Europe/Paris"}'];
    expect(events).toEqual([
      { type: 'start', id: 'chatcmpl-C0kP1nWq8Ydj2xT5RzLbA7mVe3GhU', model: 'gpt-4.1-2025-04-14' },
      { type: 'tool-call-start', index: 0, id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather' },
      ...weather.map((piece) => ({ type: 'tool-call-delta', index: 0, argumentsDelta: piece })),
      { type: 'tool-call-start', index: 1, id: 'call_5YhU0cMvSV9Q1JkHJmH3eBmj', name: 'get_time' },
      ...time.map((piece) => ({ type: 'tool-call-delta', index: 1, argumentsDelta: piece })),
      { type: 'finish', stopReason: 'tool_calls', usage: usage(82, 47) },
    ]);
    expect(JSON.parse(weather.join(''))).toEqual({ location: 'Paris, France' });
    expect(JSON.parse(time.join(''))).toEqual({ timezone: 'Europe/Paris' });
    expect(tap.generatedCharacters()).toBe(weather.join('').length + time.join('').length);
    expect(tap.facts().usage).toEqual(usage(82, 47));
  });

  it('a refusal streamed in delta.refusal reaches the caller as text (recorded)', () => {
    const { events, tap } = replay(dialect, 'openai-chat/stream-refusal.sse');
    const refusal = "I'm very sorry, but I can't assist with that request.";
    expect(events.at(0)).toEqual({ type: 'start', id: 'chatcmpl-9tZXGacdbmJYO8K50haE4OauaJmPn', model: 'gpt-4o-2024-08-06' });
    expect(events.filter((event) => event.type === 'text-delta').map((event) => event.text).join('')).toBe(refusal);
    expect(events.at(-1)).toEqual({ type: 'finish', stopReason: 'end', usage: usage(17, 13) });
    expect(tap.generatedCharacters()).toBe(refusal.length);
  });

  it("OpenRouter's stream: a comment line, and the last chunk's usage with the billed cost and image tokens", () => {
    const path = 'openai-chat/stream-openrouter-cost.sse';
    const { events, tap } = replay(dialect, path);
    const reported: TokenUsage = { ...usage(194, 2, 0, 100, 0), imageTokens: 85, billedCostUsd: 0.95 };
    expect(events.at(-1)).toEqual({ type: 'finish', stopReason: 'end', usage: reported });
    expect(tap.facts()).toMatchObject({ usage: reported, reportedModel: 'openai/gpt-4o-mini' });
    expect(tap.completed()).toBe(true);
  });

  it('a whole completion with text and two tool calls', () => {
    const body = jsonOf('openai-chat/completion.json');
    expect(dialects[dialect].decodeResponse(body)).toEqual({
      id: 'chatcmpl-C0kQ8sV2uNf7Rj1tWmYb4XzK9pLeA',
      model: 'gpt-4.1-2025-04-14',
      content: [
        { type: 'text', text: 'Let me look that up.' },
        { type: 'tool-call', id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
        { type: 'tool-call', id: 'call_5YhU0cMvSV9Q1JkHJmH3eBmj', name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
      ],
      stopReason: 'tool_calls',
      usage: usage(2150, 61, 1920),
    });
    expect(dialects[dialect].readResponse(body)).toEqual({ usage: usage(2150, 61, 1920), reportedModel: 'gpt-4.1-2025-04-14', responseId: 'chatcmpl-C0kQ8sV2uNf7Rj1tWmYb4XzK9pLeA', finishReasons: ['tool_calls'] });
  });
});

describe('OpenAI Responses', () => {
  const dialect = 'openai-responses';

  it('reasoning summary, encrypted reasoning, text, and usage with token details', () => {
    const path = 'openai-responses/stream-text.sse';
    const { events, tap } = replay(dialect, path);
    const summary = ['**Answering briefly**\n\n', 'The user asks why the sky is blue.'];
    const texts = ['Rayleigh scattering:', ' short (blue) wavelengths scatter most.'];
    expect(events).toEqual([
      { type: 'start', id: 'resp_68a1f0c4b2e88190a3c2d6e5f7a8b9c00d1e2f3a4b5c6d7e', model: 'o4-mini-2025-04-16' },
      ...summary.map((text) => ({ type: 'reasoning-delta', text })),
      { type: 'reasoning-state', state: { family: 'openai', value: rawField(path, 'encrypted_content') } },
      ...texts.map((text) => ({ type: 'text-delta', text })),
      { type: 'finish', stopReason: 'end', usage: usage(1200, 180, 1024, 0, 128) },
    ]);
    expect(rawField(path, 'encrypted_content')).toMatch(/^gAAAAA/);
    expect(tap.facts()).toEqual({ usage: usage(1200, 180, 1024, 0, 128), reportedModel: 'o4-mini-2025-04-16', responseId: 'resp_68a1f0c4b2e88190a3c2d6e5f7a8b9c00d1e2f3a4b5c6d7e', finishReasons: ['completed'] });
    expect(tap.generatedCharacters()).toBe([...summary, ...texts].join('').length);
    expect(tap.completed()).toBe(true);
  });

  it('a function call with its arguments in pieces', () => {
    const { events, tap } = replay(dialect, 'openai-responses/stream-function-call.sse');
    const pieces = ['{"', 'location', '":"', 'Paris, France', '"}'];
    expect(events).toEqual([
      { type: 'start', id: 'resp_68a1f1a2e6f78190d7f6a9b8c1d0e9f80a1b2c3d4e5f6a7b', model: 'gpt-4.1-2025-04-14' },
      { type: 'tool-call-start', index: 0, id: 'call_12xCGzbQyDBEDvkVFSNmqHst', name: 'get_weather' },
      ...pieces.map((piece) => ({ type: 'tool-call-delta', index: 0, argumentsDelta: piece })),
      { type: 'finish', stopReason: 'tool_calls', usage: usage(291, 23) },
    ]);
    expect(tap.facts().usage).toEqual(usage(291, 23));
    expect(tap.generatedCharacters()).toBe(pieces.join('').length);
  });

  it('data-only events without event: lines, reasoning_text deltas, and a stray [DONE] (SDK test stream)', () => {
    const { events, tap } = replay(dialect, 'openai-responses/stream-reasoning-text.sse');
    expect(events).toEqual([
      { type: 'start', id: 'resp_reason_1', model: 'o3' },
      { type: 'reasoning-delta', text: 'Chain: Step 1. ' },
      { type: 'reasoning-delta', text: 'Step 2.' },
      { type: 'text-delta', text: 'The answer is ' },
      { type: 'text-delta', text: '42' },
      { type: 'finish', stopReason: 'end', usage: usage(0, 6, 0, 0, 2) },
    ]);
    expect(tap.completed()).toBe(true);
  });

  it('a whole response: reasoning with two summary parts and encrypted content, a message, a function call', () => {
    const path = 'openai-responses/response.json';
    const body = jsonOf(path);
    expect(dialects[dialect].decodeResponse(body)).toEqual({
      id: 'resp_68a1f2b3a8f98190f9b8c1d0e3f2a1b2c3d4e5f6a7b8c9d0',
      model: 'o4-mini-2025-04-16',
      content: [
        { type: 'reasoning', text: '**Checking the forecast**\nA tool call is needed.', state: { family: 'openai', value: rawField(path, 'encrypted_content') } },
        { type: 'text', text: 'Let me check.' },
        { type: 'tool-call', id: 'call_9pQ2wErT5yUiO8aSdF3gHjKl', name: 'get_weather', arguments: '{"location":"Paris, France"}' },
      ],
      stopReason: 'tool_calls',
      usage: usage(3088, 212, 2944, 0, 192),
    });
    expect(dialects[dialect].readResponse(body)).toEqual({ usage: usage(3088, 212, 2944, 0, 192), reportedModel: 'o4-mini-2025-04-16', responseId: 'resp_68a1f2b3a8f98190f9b8c1d0e3f2a1b2c3d4e5f6a7b8c9d0', finishReasons: ['completed'] });
  });
});

describe('Gemini', () => {
  const dialect = 'gemini';

  it('a thought, text, a signed last part, and the final usage with cached and thought tokens', () => {
    const path = 'gemini/stream-text.sse';
    const { events, tap } = replay(dialect, path);
    const thought = "**Explaining the sky's colour**\n\nThe user wants the physics in two sentences: Rayleigh scattering.";
    const texts = ['The sky is blue because of **Rayleigh scattering**:', ' air molecules scatter short wavelengths far more than long ones (∝ 1/λ⁴),', ' so blue light reaches you from every direction.'];
    // Output = candidates (42) + thoughts (310); the prompt (2152) includes the 2048 cached tokens.
    const final = usage(2152, 42 + 310, 2048, 0, 310);
    expect(events).toEqual([
      { type: 'start', id: 'kzbNaMDXF5TVz7IP0Y7l0Qg', model: 'gemini-2.5-flash' },
      { type: 'reasoning-delta', text: thought },
      { type: 'text-delta', text: texts[0] },
      { type: 'text-delta', text: texts[1] },
      { type: 'reasoning-state', state: { family: 'gemini', value: rawField(path, 'thoughtSignature') } },
      { type: 'text-delta', text: texts[2] },
      { type: 'finish', stopReason: 'end', usage: final },
    ]);
    // Every chunk carries usage; the count that stays is the last one.
    expect(tap.facts()).toEqual({ usage: final, reportedModel: 'gemini-2.5-flash', responseId: 'kzbNaMDXF5TVz7IP0Y7l0Qg', finishReasons: ['STOP'] });
    expect(tap.outputReported()).toBe(true);
    expect(tap.completed()).toBe(true);
    expect(tap.generatedCharacters()).toBe([thought, ...texts].join('').length);
  });

  it('a function call with its thought signature and no id (recorded)', () => {
    const path = 'gemini/stream-function-call.sse';
    const { events, tap } = replay(dialect, path);
    const final = usage(81, 20 + 179, 0, 0, 179);
    expect(events).toEqual([
      { type: 'start', id: 'cNSfaL2nLvCez7IPxKGWuAg', model: 'gemini-2.5-flash' },
      { type: 'reasoning-state', state: { family: 'gemini', value: rawField(path, 'thoughtSignature') } },
      { type: 'tool-call-start', index: 0, id: 'call_0', name: 'customDivide' },
      { type: 'tool-call-delta', index: 0, argumentsDelta: JSON.stringify({ denominator: 2, numerator: 10 }) },
      { type: 'finish', stopReason: 'tool_calls', usage: final },
    ]);
    expect(tap.facts()).toEqual({ usage: final, reportedModel: 'gemini-2.5-flash', responseId: 'cNSfaL2nLvCez7IPxKGWuAg', finishReasons: ['STOP'] });
    expect(tap.completed()).toBe(true);
  });

  it('a whole answer with two function calls, the signature on the first only (recorded)', () => {
    const path = 'gemini/generate-content-function-calls.json';
    const body = jsonOf(path);
    expect(dialects[dialect].decodeResponse(body)).toEqual({
      id: 'ySr7aIiVCYam1e8PyLWRiQw',
      model: 'gemini-2.5-pro',
      content: [
        { type: 'reasoning', text: '', state: { family: 'gemini', value: rawField(path, 'thoughtSignature') } },
        { type: 'tool-call', id: 'call_0', name: 'print', arguments: JSON.stringify({ color: 'blue', text: 'hello' }) },
        { type: 'tool-call', id: 'call_1', name: 'beep', arguments: '{}' },
      ],
      stopReason: 'tool_calls',
      usage: usage(85, 26 + 155, 0, 0, 155),
    });
    expect(dialects[dialect].readResponse(body)).toEqual({ usage: usage(85, 181, 0, 0, 155), reportedModel: 'gemini-2.5-pro', responseId: 'ySr7aIiVCYam1e8PyLWRiQw', finishReasons: ['STOP'] });
  });

  it('a whole answer about an image: the IMAGE modality of promptTokensDetails is the image tokens', () => {
    const body = jsonOf('gemini/generate-content-image.json');
    const reported: TokenUsage = { ...usage(266, 6), imageTokens: 258 };
    expect(dialects[dialect].decodeResponse(body).usage).toEqual(reported);
    expect(dialects[dialect].readResponse(body).usage).toEqual(reported);
  });

  it('a whole answer with a thought, signed text, and cached and thought tokens', () => {
    const path = 'gemini/generate-content-text.json';
    const body = jsonOf(path);
    expect(dialects[dialect].decodeResponse(body)).toEqual({
      id: 'lDbNaJ2yKo_Vz7IPxL3Q8Ak',
      model: 'gemini-2.5-flash',
      content: [
        { type: 'reasoning', text: "**Explaining the sky's colour**\n\nRayleigh scattering, in two sentences." },
        { type: 'reasoning', text: '', state: { family: 'gemini', value: rawField(path, 'thoughtSignature') } },
        { type: 'text', text: 'The sky is blue because air molecules scatter short (blue) wavelengths far more than long ones.' },
      ],
      stopReason: 'end',
      usage: usage(2152, 19 + 230, 2048, 0, 230),
    });
    expect(dialects[dialect].readResponse(body)).toEqual({ usage: usage(2152, 249, 2048, 0, 230), reportedModel: 'gemini-2.5-flash', responseId: 'lDbNaJ2yKo_Vz7IPxL3Q8Ak', finishReasons: ['STOP'] });
  });
});
