import type { IrStopReason, IrStreamEvent } from '../../ir/ir-types.js';
import type { SseEvent } from '../../upstream/sse-decoder.js';
import type { TokenUsage } from '../../domain/token-usage.js';
import type { StreamDecoder } from '../dialect.js';
import { convertGeminiUsage } from './convert-usage.js';
import { candidateParts } from './decode-response.js';
import { field } from './decode-request.js';
import { fromGeminiFinishReason } from './map-finish-reason.js';
import { readEventJson, unreadableEvent, unreadableEventError } from '../read-event-json.js';

type Json = Record<string, unknown>;

/**
 * streamGenerateContent?alt=sse: every event is a whole GenerateContentResponse holding the new parts;
 * the one with a finishReason ends the answer (there is no [DONE]). Function calls arrive whole.
 */
export function createGeminiStreamDecoder(): StreamDecoder {
  let started = false;
  let calls = 0;
  let sawToolCall = false;
  let usage: TokenUsage | undefined;
  return (event: SseEvent): IrStreamEvent[] => {
    const chunk = readEventJson<Json>(event);
    if (chunk === unreadableEvent) return [unreadableEventError()];
    if (chunk === undefined) return [];
    const error = chunk.error as Json | undefined;
    if (error) return [{ type: 'error', status: typeof error.code === 'number' ? error.code : 502, message: String(error.message ?? 'upstream stream error') }];
    const events: IrStreamEvent[] = [];
    if (!started) {
      started = true;
      events.push({ type: 'start', id: String(field(chunk, 'responseId') ?? ''), model: String(field(chunk, 'modelVersion') ?? '') });
    }
    usage = convertGeminiUsage(field(chunk, 'usageMetadata')) ?? usage;
    for (const part of candidateParts(chunk, () => `call_${calls}`)) {
      if (part.type === 'text') events.push({ type: 'text-delta', text: part.text });
      else if (part.type === 'reasoning') {
        if (part.text) events.push({ type: 'reasoning-delta', text: part.text });
        if (part.state) events.push({ type: 'reasoning-state', state: part.state });
      } else if (part.type === 'tool-call') {
        sawToolCall = true;
        const index = calls++;
        events.push({ type: 'tool-call-start', index, id: part.id, name: part.name });
        events.push({ type: 'tool-call-delta', index, argumentsDelta: part.arguments });
      }
    }
    const candidate = ((chunk.candidates as Json[] | undefined) ?? [])[0];
    const finishReason = field(candidate, 'finishReason');
    if (finishReason) {
      const stopReason: IrStopReason = fromGeminiFinishReason(finishReason, sawToolCall);
      events.push({ type: 'finish', stopReason, usage });
    }
    return events;
  };
}
