import { describe, expect, it } from 'vitest';
import { createSseDecoder, encodeSseEvent, type SseEvent } from '../../src/upstream/sse-decoder.js';

const anthropicStream = [
  'event: message_start',
  'data: {"type":"message_start","message":{"id":"msg_1","usage":{"input_tokens":12,"output_tokens":1}}}',
  '',
  ': a comment the parser must ignore',
  'event: content_block_delta',
  'data: {"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"héllo 世界 🎉"}}',
  '',
  'event: message_stop',
  'data: {"type":"message_stop"}',
  '',
  '',
].join('\n');

const openAiStream = [
  'data: {"choices":[{"delta":{"content":"naïve — ok 👍"}}]}',
  '',
  'data: {"choices":[],"usage":{"prompt_tokens":3}}',
  '',
  'data: [DONE]',
  '',
  '',
].join('\n');

function decodeAll(chunks: Uint8Array[]): SseEvent[] {
  const events: SseEvent[] = [];
  const decoder = createSseDecoder((event) => events.push({ event: event.event, data: event.data }));
  for (const chunk of chunks) decoder.push(chunk);
  decoder.end();
  return events;
}

describe.each([
  ['Anthropic', anthropicStream, 3],
  ['OpenAI', openAiStream, 3],
  ['Anthropic with CRLF', anthropicStream.replaceAll('\n', '\r\n'), 3],
  ['OpenAI with CRLF', openAiStream.replaceAll('\n', '\r\n'), 3],
  ['OpenAI with CR', openAiStream.replaceAll('\n', '\r'), 3],
])('SSE decoder on a %s stream', (_name, text, eventCount) => {
  const bytes = new TextEncoder().encode(text);
  const whole = decodeAll([bytes]);

  it('decodes every event', () => {
    expect(whole).toHaveLength(eventCount);
    expect(JSON.stringify(whole)).toContain(text.includes('世界') ? 'héllo 世界 🎉' : 'naïve — ok 👍');
  });

  it('gives the same events when split at every byte offset (multi-byte characters included)', () => {
    for (let offset = 1; offset < bytes.length; offset++) {
      expect(decodeAll([bytes.subarray(0, offset), bytes.subarray(offset)]), `offset ${offset}`).toEqual(whole);
    }
  });

  it('gives the same events one byte at a time', () => {
    expect(decodeAll(Array.from(bytes, (byte) => Uint8Array.of(byte)))).toEqual(whole);
  });
});

describe('encodeSseEvent', () => {
  it('round-trips through the decoder, multi-line data included', () => {
    const events = [
      { event: 'message_delta', data: '{"a":1}' },
      { event: undefined, data: 'line one\nline two' },
    ];
    const encoded = events.map(encodeSseEvent).join('');
    expect(encoded.startsWith('event: message_delta\ndata: {"a":1}\n\n')).toBe(true);
    expect(decodeAll([new TextEncoder().encode(encoded)])).toEqual(events);
  });
});
