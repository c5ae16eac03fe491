import type { SseEvent } from '../../upstream/sse-decoder.js';
import type { StreamTap } from '../dialect.js';
import { createTapState, tapOf } from '../tap-state.js';
import { convertOpenAiChatUsage } from './convert-usage.js';
import { readEventJson, unreadableEvent } from '../read-event-json.js';

interface ChunkShape {
  id?: unknown;
  model?: unknown;
  choices?: Array<{ finish_reason?: unknown; delta?: { content?: unknown; refusal?: unknown; reasoning_content?: unknown; tool_calls?: Array<{ function?: { arguments?: unknown } }> } }>;
  usage?: unknown;
  error?: { message?: unknown };
}

/** Follows a `chat.completion.chunk` stream: usage, model, generated text length, errors, `[DONE]`. */
export function createOpenAiChatStreamTap(options: { removeInjectedUsageChunk: boolean }): StreamTap {
  const state = createTapState();
  const usageOnlyChunks = new WeakSet<SseEvent>();

  return tapOf(
    state,
    (event) => {
      if (event.data === '[DONE]') {
        state.done = true;
        return;
      }
      const chunk = readEventJson<ChunkShape>(event);
      if (chunk === unreadableEvent) state.unreadableEvents++;
      if (chunk === unreadableEvent || chunk === undefined) return;
      if (chunk.error) {
        state.errorMessage = typeof chunk.error.message === 'string' ? chunk.error.message : 'upstream stream error';
        return;
      }
      if (typeof chunk.model === 'string') state.reportedModel = chunk.model;
      if (typeof chunk.id === 'string') state.responseId = chunk.id;
      const choices = chunk.choices ?? [];
      for (const choice of choices) {
        if (typeof choice.finish_reason === 'string') state.finishReason = choice.finish_reason;
        const delta = choice.delta;
        if (!delta) continue;
        if (typeof delta.content === 'string') state.characters += delta.content.length;
        if (typeof delta.refusal === 'string') state.characters += delta.refusal.length;
        if (typeof delta.reasoning_content === 'string') state.characters += delta.reasoning_content.length;
        for (const toolCall of delta.tool_calls ?? []) {
          const argumentsText = toolCall.function?.arguments;
          if (typeof argumentsText === 'string') state.characters += argumentsText.length;
        }
      }
      if (chunk.usage !== undefined && chunk.usage !== null) {
        state.usage = convertOpenAiChatUsage(chunk.usage);
        if (choices.length === 0) usageOnlyChunks.add(event);
      }
    },
    {
      shouldForward: (event) => !(options.removeInjectedUsageChunk && usageOnlyChunks.has(event)),
    },
  );
}
