import { describe, expect, it } from 'vitest';
import { createAnthropicStreamTap } from '../../src/dialects/anthropic-messages/stream-tap.js';
import { createOpenAiChatStreamTap } from '../../src/dialects/openai-chat/stream-tap.js';

const event = (data: unknown, name?: string) => ({ event: name, data: typeof data === 'string' ? data : JSON.stringify(data) });

describe('OpenAI stream tap', () => {
  it('reads usage from the final chunk and marks only that injected chunk for removal', () => {
    const tap = createOpenAiChatStreamTap({ removeInjectedUsageChunk: true });
    const content = event({ model: 'gpt-4o-mini-2024', choices: [{ index: 0, delta: { content: 'Hello there' } }], usage: null });
    const usage = event({
      choices: [],
      usage: { prompt_tokens: 20, completion_tokens: 9, prompt_tokens_details: { cached_tokens: 4 }, completion_tokens_details: { reasoning_tokens: 3 } },
    });
    const done = event('[DONE]');
    for (const item of [content, usage, done]) tap.observe(item);
    expect(tap.shouldForward(content)).toBe(true);
    expect(tap.shouldForward(usage)).toBe(false);
    expect(tap.shouldForward(done)).toBe(true);
    expect(tap.facts()).toEqual({
      usage: { inputTokens: 20, outputTokens: 9, cacheReadTokens: 4, cacheWriteTokens: 0, reasoningTokens: 3 },
      reportedModel: 'gpt-4o-mini-2024',
    });
    expect(tap.generatedCharacters()).toBe('Hello there'.length);
    expect(tap.completed()).toBe(true);
  });

  it('counts tool-call argument text and notices in-stream errors and junk', () => {
    const tap = createOpenAiChatStreamTap({ removeInjectedUsageChunk: false });
    tap.observe(event({ choices: [{ delta: { tool_calls: [{ index: 0, function: { arguments: '{"city":' } }] } }] }));
    tap.observe(event('not json'));
    tap.observe(event({ error: { message: 'overloaded' } }));
    expect(tap.generatedCharacters()).toBe(8);
    expect(tap.upstreamErrorMessage()).toBe('overloaded');
    expect(tap.outputReported()).toBe(false);
    expect(tap.completed()).toBe(false);
  });
});

describe('Anthropic stream tap', () => {
  it('adds cache tokens to input and takes the final output count from message_delta', () => {
    const tap = createAnthropicStreamTap();
    tap.observe(
      event(
        {
          type: 'message_start',
          message: { id: 'msg_01TapTest', model: 'claude-haiku-4-5-20251001', usage: { input_tokens: 10, cache_read_input_tokens: 30, cache_creation_input_tokens: 5, output_tokens: 1 } },
        },
        'message_start',
      ),
    );
    tap.observe(event({ type: 'ping' }, 'ping'));
    tap.observe(event({ type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: 'Hi!' } }, 'content_block_delta'));
    expect(tap.outputReported()).toBe(false);
    tap.observe(event({ type: 'message_delta', delta: { stop_reason: 'end_turn' }, usage: { output_tokens: 12 } }, 'message_delta'));
    tap.observe(event({ type: 'message_stop' }, 'message_stop'));
    expect(tap.facts()).toEqual({
      usage: { inputTokens: 45, outputTokens: 12, cacheReadTokens: 30, cacheWriteTokens: 5, reasoningTokens: 0 },
      reportedModel: 'claude-haiku-4-5-20251001',
      responseId: 'msg_01TapTest',
      finishReasons: ['end_turn'],
    });
    expect(tap.outputReported()).toBe(true);
    expect(tap.completed()).toBe(true);
    expect(tap.generatedCharacters()).toBe(3);
  });

  it('notices an error event inside the stream', () => {
    const tap = createAnthropicStreamTap();
    tap.observe(event({ type: 'error', error: { type: 'overloaded_error', message: 'Overloaded' } }, 'error'));
    expect(tap.upstreamErrorMessage()).toBe('Overloaded');
  });
});
