import type { SseEvent } from '../../upstream/sse-decoder.js';
import type { TokenUsage } from '../../usage/token-usage.js';
import type { StreamTap } from '../dialect.js';
import { convertOpenAiChatUsage } from './convert-usage.js';

interface ChunkShape {
  model?: unknown;
  choices?: Array<{ delta?: { content?: unknown; reasoning_content?: unknown; tool_calls?: Array<{ function?: { arguments?: unknown } }> } }>;
  usage?: unknown;
  error?: { message?: unknown };
}

/** Follows a `chat.completion.chunk` stream: usage, model, generated text length, errors, `[DONE]`. */
export function createOpenAiChatStreamTap(options: { removeInjectedUsageChunk: boolean }): StreamTap {
  let usage: TokenUsage | undefined;
  let reportedModel: string | undefined;
  let characters = 0;
  let done = false;
  let errorMessage: string | undefined;
  const usageOnlyChunks = new WeakSet<SseEvent>();

  return {
    observe(event) {
      if (event.data === '[DONE]') {
        done = true;
        return;
      }
      let chunk: ChunkShape;
      try {
        chunk = JSON.parse(event.data) as ChunkShape;
      } catch {
        return;
      }
      if (chunk.error) {
        errorMessage = typeof chunk.error.message === 'string' ? chunk.error.message : 'upstream stream error';
        return;
      }
      if (typeof chunk.model === 'string') reportedModel = chunk.model;
      const choices = chunk.choices ?? [];
      for (const choice of choices) {
        const delta = choice.delta;
        if (!delta) continue;
        if (typeof delta.content === 'string') characters += delta.content.length;
        if (typeof delta.reasoning_content === 'string') characters += delta.reasoning_content.length;
        for (const toolCall of delta.tool_calls ?? []) {
          const argumentsText = toolCall.function?.arguments;
          if (typeof argumentsText === 'string') characters += argumentsText.length;
        }
      }
      if (chunk.usage !== undefined && chunk.usage !== null) {
        usage = convertOpenAiChatUsage(chunk.usage);
        if (choices.length === 0) usageOnlyChunks.add(event);
      }
    },
    shouldForward(event) {
      return !(options.removeInjectedUsageChunk && usageOnlyChunks.has(event));
    },
    facts: () => ({ usage, reportedModel }),
    outputReported: () => usage !== undefined,
    generatedCharacters: () => characters,
    completed: () => done,
    upstreamErrorMessage: () => errorMessage,
  };
}
