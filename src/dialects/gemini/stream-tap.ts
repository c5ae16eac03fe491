import type { TokenUsage } from '../../usage/token-usage.js';
import type { StreamTap } from '../dialect.js';
import { convertGeminiUsage } from './convert-usage.js';
import { field } from './decode-request.js';

type Json = Record<string, unknown>;

/** Follows a Gemini stream passed through untouched: each chunk may carry usage; a finishReason ends it. */
export function createGeminiStreamTap(): StreamTap {
  let usage: TokenUsage | undefined;
  let reportedModel: string | undefined;
  let characters = 0;
  let done = false;
  let errorMessage: string | undefined;
  return {
    observe(event) {
      let chunk: Json;
      try {
        chunk = JSON.parse(event.data) as Json;
      } catch {
        return;
      }
      const error = chunk.error as Json | undefined;
      if (error) {
        errorMessage = String(error.message ?? 'upstream stream error');
        return;
      }
      const model = field(chunk, 'modelVersion');
      if (typeof model === 'string') reportedModel = model;
      usage = convertGeminiUsage(field(chunk, 'usageMetadata')) ?? usage;
      const candidate = ((chunk.candidates as Json[] | undefined) ?? [])[0];
      for (const part of ((candidate?.content as Json | undefined)?.parts as Json[] | undefined) ?? []) {
        if (typeof part.text === 'string') characters += part.text.length;
        const call = field(part, 'functionCall') as Json | undefined;
        if (call) characters += JSON.stringify(call.args ?? {}).length;
      }
      if (field(candidate, 'finishReason')) done = true;
    },
    shouldForward: () => true,
    facts: () => ({ usage, reportedModel }),
    outputReported: () => done && usage !== undefined,
    generatedCharacters: () => characters,
    completed: () => done,
    upstreamErrorMessage: () => errorMessage,
  };
}
