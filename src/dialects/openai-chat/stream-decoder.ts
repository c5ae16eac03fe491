import type { IrStopReason, IrStreamEvent } from '../../ir/ir-types.js';
import type { SseEvent } from '../../upstream/sse-decoder.js';
import type { TokenUsage } from '../../domain/token-usage.js';
import type { StreamDecoder } from '../dialect.js';
import { convertOpenAiChatUsage } from './convert-usage.js';
import { fromOpenAiFinishReason } from './map-finish-reason.js';
import { readEventJson, unreadableEvent, unreadableEventError } from '../read-event-json.js';

type Json = Record<string, unknown>;

/**
 * `chat.completion.chunk` events to core stream events. The finish waits for `[DONE]`, because the usage
 * chunk comes after the chunk carrying `finish_reason`.
 */
export function createOpenAiChatStreamDecoder(): StreamDecoder {
  let started = false;
  let stopReason: IrStopReason | undefined;
  let usage: TokenUsage | undefined;
  const toolIds = new Map<number, string>();

  return (event: SseEvent): IrStreamEvent[] => {
    if (event.data === '[DONE]') return [{ type: 'finish', stopReason: stopReason ?? 'end', usage }];
    const chunk = readEventJson<Json>(event);
    if (chunk === unreadableEvent) return [unreadableEventError()];
    if (chunk === undefined) return [];
    const error = chunk.error as Json | undefined;
    if (error) return [{ type: 'error', status: 502, message: String(error.message ?? 'upstream stream error') }];
    const events: IrStreamEvent[] = [];
    if (!started) {
      started = true;
      events.push({ type: 'start', id: String(chunk.id ?? ''), model: String(chunk.model ?? '') });
    }
    if (chunk.usage) usage = convertOpenAiChatUsage(chunk.usage);
    for (const choice of (chunk.choices as Json[] | undefined) ?? []) {
      const delta = (choice.delta ?? {}) as Json;
      if (typeof delta.reasoning_content === 'string' && delta.reasoning_content) events.push({ type: 'reasoning-delta', text: delta.reasoning_content });
      if (typeof delta.content === 'string' && delta.content) events.push({ type: 'text-delta', text: delta.content });
      // A refusal streams in its own field; as in a whole answer, it is the text the caller gets.
      if (typeof delta.refusal === 'string' && delta.refusal) events.push({ type: 'text-delta', text: delta.refusal });
      for (const call of (delta.tool_calls as Json[] | undefined) ?? []) {
        const index = typeof call.index === 'number' ? call.index : 0;
        const fn = (call.function ?? {}) as Json;
        if (!toolIds.has(index)) {
          const id = String(call.id ?? `call_${index}`);
          toolIds.set(index, id);
          events.push({ type: 'tool-call-start', index, id, name: String(fn.name ?? '') });
        }
        if (typeof fn.arguments === 'string' && fn.arguments) events.push({ type: 'tool-call-delta', index, argumentsDelta: fn.arguments });
      }
      if (choice.finish_reason) stopReason = fromOpenAiFinishReason(choice.finish_reason);
    }
    return events;
  };
}
