import type { TokenUsage } from '../../domain/token-usage.js';
import type { StreamTap } from '../dialect.js';
import { createTapState, tapOf } from '../tap-state.js';
import { convertAnthropicUsage } from './convert-usage.js';
import { readEventJson, unreadableEvent } from '../read-event-json.js';

interface EventShape {
  type?: unknown;
  message?: { id?: unknown; model?: unknown; usage?: unknown };
  usage?: Record<string, unknown>;
  delta?: { type?: unknown; text?: unknown; thinking?: unknown; partial_json?: unknown; stop_reason?: unknown };
  error?: { message?: unknown };
}

/**
 * Follows a Messages stream: `message_start` carries input and cache counts, `message_delta` the final
 * (cumulative) output count, deltas the generated text, `message_stop` the end.
 */
export function createAnthropicStreamTap(): StreamTap {
  const state = createTapState();
  let outputFinal = false;

  return tapOf(
    state,
    (event) => {
      const type = event.event;
      if (type === 'ping') return;
      const payload = readEventJson<EventShape>(event);
      if (payload === unreadableEvent) state.unreadableEvents++;
      if (payload === unreadableEvent || payload === undefined) return;
      switch (type ?? payload.type) {
        case 'message_start':
          state.usage = convertAnthropicUsage(payload.message?.usage) ?? state.usage;
          if (typeof payload.message?.model === 'string') state.reportedModel = payload.message.model;
          if (typeof payload.message?.id === 'string') state.responseId = payload.message.id;
          break;
        case 'content_block_delta': {
          const delta = payload.delta ?? {};
          const text = delta.text ?? delta.thinking ?? delta.partial_json;
          if (typeof text === 'string') state.characters += text.length;
          break;
        }
        case 'message_delta':
          if (typeof payload.delta?.stop_reason === 'string') state.finishReason = payload.delta.stop_reason;
          if (payload.usage) {
            // Newer API versions repeat input and cache counts here; keep earlier values when absent.
            const merged = { ...usageAsAnthropicFields(state.usage), ...payload.usage };
            state.usage = convertAnthropicUsage(merged);
            if (payload.usage.output_tokens !== undefined) outputFinal = true;
          }
          break;
        case 'message_stop':
          state.done = true;
          break;
        case 'error':
          state.errorMessage = typeof payload.error?.message === 'string' ? payload.error.message : 'upstream stream error';
          break;
      }
    },
    { outputReported: () => outputFinal },
  );
}

function usageAsAnthropicFields(usage: TokenUsage | undefined): Record<string, number> {
  if (!usage) return {};
  return {
    input_tokens: usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    output_tokens: usage.outputTokens,
  };
}
