import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readAnswer } from '../../src/outcomes/replay-answer.js';

/** Answers read for a verifier through each shape's own decoders, from the providers' recorded wire bytes. */
const fixture = (path: string) => readFileSync(join(process.cwd(), 'test/fixtures/wire', path), 'utf8');

describe('readAnswer', () => {
  it('reads a whole Chat Completions answer: its text and its tool calls, in order', () => {
    const answer = readAnswer('openai-chat', { status: 200, stream: false, body: fixture('openai-chat/completion.json') });
    expect(answer).toMatchObject({ error: undefined, text: 'Let me look that up.' });
    expect(answer.toolCalls).toEqual([
      { name: 'get_weather', arguments: '{"location":"Paris, France"}' },
      { name: 'get_time', arguments: '{"timezone":"Europe/Paris"}' },
    ]);
  });

  it('reads a streamed Messages answer to its end: text deltas joined, tool input pieces joined', () => {
    const answer = readAnswer('anthropic-messages', { status: 200, stream: true, body: fixture('anthropic/stream-tool-use.sse') });
    expect(answer.error).toBeUndefined();
    expect(answer.text).toBe("I'll check the current weather in Paris for you.");
    expect(answer.toolCalls).toHaveLength(1);
    expect(answer.toolCalls[0]!.name).toBe('get_weather');
    expect(JSON.parse(answer.toolCalls[0]!.arguments)).toMatchObject({ location: expect.stringContaining('Paris') });
  });

  it('leaves reasoning out of a streamed Gemini answer (CRLF events)', () => {
    const answer = readAnswer('gemini', { status: 200, stream: true, body: fixture('gemini/stream-text.sse') });
    expect(answer.text).toBe('The sky is blue because of **Rayleigh scattering**: air molecules scatter short wavelengths far more than long ones (∝ 1/λ⁴), so blue light reaches you from every direction.');
  });

  it('reads a streamed Responses function call and a whole Responses answer', () => {
    const streamed = readAnswer('openai-responses', { status: 200, stream: true, body: fixture('openai-responses/stream-function-call.sse') });
    expect(streamed.toolCalls.map((call) => call.name)).toEqual(['get_weather']);
    expect(JSON.parse(streamed.toolCalls[0]!.arguments)).toEqual({ location: 'Paris, France' });
    const whole = readAnswer('openai-responses', { status: 200, stream: false, body: fixture('openai-responses/response.json') });
    expect(whole.error).toBeUndefined();
    expect(whole.text.length).toBeGreaterThan(0);
  });

  it('an error status, an error inside the stream or a body of another shape is an answer with an error, never a throw', () => {
    expect(readAnswer('openai-chat', { status: 429, stream: false, body: '{"error":{"message":"Rate limited"}}' })).toMatchObject({ text: '', error: 'status 429: Rate limited' });
    const cut = readAnswer('anthropic-messages', { status: 200, stream: true, body: fixture('anthropic/stream-error.sse') });
    expect(cut.error).toMatch(/Overloaded/);
    expect(cut.text).toBe('Once upon a time');
    expect(readAnswer('openai-chat', { status: 200, stream: false, body: 'not json' }).error).toMatch(/^unreadable answer/);
  });
});
