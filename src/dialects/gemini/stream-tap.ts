import type { StreamTap } from '../dialect.js';
import { createTapState, tapOf } from '../tap-state.js';
import { convertGeminiUsage } from './convert-usage.js';
import { field } from './decode-request.js';
import { readEventJson, unreadableEvent } from '../read-event-json.js';

type Json = Record<string, unknown>;

/** Follows a Gemini stream passed through untouched: each chunk may carry usage; a finishReason ends it. */
export function createGeminiStreamTap(): StreamTap {
  const state = createTapState();
  return tapOf(
    state,
    (event) => {
      const chunk = readEventJson<Json>(event);
      if (chunk === unreadableEvent) state.unreadableEvents++;
      if (chunk === unreadableEvent || chunk === undefined) return;
      const error = chunk.error as Json | undefined;
      if (error) {
        state.errorMessage = String(error.message ?? 'upstream stream error');
        return;
      }
      const model = field(chunk, 'modelVersion');
      if (typeof model === 'string') state.reportedModel = model;
      const responseId = field(chunk, 'responseId');
      if (typeof responseId === 'string') state.responseId = responseId;
      state.usage = convertGeminiUsage(field(chunk, 'usageMetadata')) ?? state.usage;
      const candidate = ((chunk.candidates as Json[] | undefined) ?? [])[0];
      for (const part of ((candidate?.content as Json | undefined)?.parts as Json[] | undefined) ?? []) {
        if (typeof part.text === 'string') state.characters += part.text.length;
        const call = field(part, 'functionCall') as Json | undefined;
        if (call) state.characters += JSON.stringify(call.args ?? {}).length;
      }
      const finishReason = field(candidate, 'finishReason');
      if (finishReason) {
        state.done = true;
        if (typeof finishReason === 'string') state.finishReason = finishReason;
      }
    },
    { outputReported: () => state.done && state.usage !== undefined },
  );
}
