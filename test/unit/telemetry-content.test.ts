import { describe, expect, it } from 'vitest';
import { boundedMessagesJson, boundedPartsJson } from '../../src/telemetry/bounded-json.js';
import { inputMessagesOf, outputMessagesOf, type GenAiMessage } from '../../src/telemetry/gen-ai-messages.js';
import { tracesUrl } from '../../src/server/telemetry/otlp-tracing.js';
import { emptyUsage } from '../../src/domain/token-usage.js';
import type { IrRequest } from '../../src/ir/ir-types.js';

const marker = '…[truncated by sluice]';

describe('boundedMessagesJson', () => {
  it('leaves messages that fit alone', () => {
    const messages: GenAiMessage[] = [{ role: 'user', parts: [{ type: 'text', content: 'hi' }] }];
    expect(boundedMessagesJson(messages, 100)).toBe(JSON.stringify(messages));
  });

  it('cuts the first text that does not fit, drops what follows, and stays valid JSON within the limit', () => {
    const messages: GenAiMessage[] = [
      { role: 'user', parts: [{ type: 'text', content: 'a'.repeat(50) }] },
      { role: 'assistant', parts: [{ type: 'text', content: 'b'.repeat(500) }, { type: 'text', content: 'never seen' }] },
      { role: 'user', parts: [{ type: 'text', content: 'nor this' }] },
    ];
    const json = boundedMessagesJson(messages, 300);
    expect(json.length).toBeLessThanOrEqual(300);
    const parsed = JSON.parse(json) as GenAiMessage[];
    expect(parsed).toHaveLength(2);
    expect(parsed[0]).toEqual(messages[0]);
    expect(parsed[1]!.parts).toHaveLength(1);
    expect(parsed[1]!.parts[0]).toMatchObject({ type: 'text', content: expect.stringMatching(new RegExp(`^b+${marker.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`)) });
  });

  it('counts escapes: text full of quotes and newlines still fits the limit', () => {
    const messages: GenAiMessage[] = [{ role: 'user', parts: [{ type: 'text', content: '"\n'.repeat(1_000) }] }];
    const json = boundedMessagesJson(messages, 500);
    expect(json.length).toBeLessThanOrEqual(500);
    expect((JSON.parse(json) as GenAiMessage[])[0]!.parts[0]).toMatchObject({ type: 'text' });
  });

  it('many small parts stop at the limit too', () => {
    const parts = Array.from({ length: 1_000 }, (_, index) => ({ type: 'text' as const, content: `part ${index}` }));
    const json = boundedPartsJson(parts, 400);
    expect(json.length).toBeLessThanOrEqual(400);
    expect((JSON.parse(json) as unknown[]).length).toBeGreaterThan(5);
  });
});

describe('GenAI messages from the core model', () => {
  it('tool calls and results, images by reference only', () => {
    const request = {
      messages: [
        {
          role: 'user',
          parts: [
            { type: 'text', text: 'look' },
            { type: 'image', source: { kind: 'base64', mediaType: 'image/png', data: 'iVBORw0KGgo=' } },
          ],
        },
        { role: 'assistant', parts: [{ type: 'tool-call', id: 'call_1', name: 'weather', arguments: '{"city":"Oslo"}' }] },
        { role: 'user', parts: [{ type: 'tool-result', toolCallId: 'call_1', content: [{ type: 'text', text: 'rain' }], isError: false }] },
      ],
    } as unknown as IrRequest;
    expect(inputMessagesOf(request)).toEqual([
      { role: 'user', parts: [{ type: 'text', content: 'look' }, { type: 'blob', modality: 'image', mime_type: 'image/png' }] },
      { role: 'assistant', parts: [{ type: 'tool_call', id: 'call_1', name: 'weather', arguments: { city: 'Oslo' } }] },
      { role: 'tool', parts: [{ type: 'tool_call_response', id: 'call_1', response: 'rain' }] },
    ]);
    expect(JSON.stringify(inputMessagesOf(request))).not.toContain('iVBORw0KGgo=');
  });

  it('folds a streamed answer: text pieces joined, tool-call arguments assembled, the finish reason mapped', () => {
    const output = outputMessagesOf({
      kind: 'stream',
      events: [
        { type: 'start', id: 'msg_1', model: 'm' },
        { type: 'text-delta', text: 'Let me ' },
        { type: 'text-delta', text: 'check.' },
        { type: 'tool-call-start', index: 0, id: 'call_2', name: 'weather' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '{"city":' },
        { type: 'tool-call-delta', index: 0, argumentsDelta: '"Oslo"}' },
        { type: 'finish', stopReason: 'tool_calls', usage: emptyUsage() },
      ],
    });
    expect(output).toEqual([
      {
        role: 'assistant',
        parts: [
          { type: 'text', content: 'Let me check.' },
          { type: 'tool_call', id: 'call_2', name: 'weather', arguments: { city: 'Oslo' } },
        ],
        finish_reason: 'tool_call',
      },
    ]);
  });
});

describe('tracesUrl', () => {
  it('appends the traces path to a base endpoint, once', () => {
    expect(tracesUrl('http://collector:4318')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('http://collector:4318/')).toBe('http://collector:4318/v1/traces');
    expect(tracesUrl('https://otlp.example.com/v1/traces')).toBe('https://otlp.example.com/v1/traces');
  });
});
