import type { IrStopReason, IrStreamEvent } from '../../ir/ir-types.js';
import type { SseEvent } from '../../upstream/sse-decoder.js';
import type { TokenUsage } from '../../domain/token-usage.js';
import type { StreamDecoder } from '../dialect.js';
import { convertAnthropicUsage } from './convert-usage.js';
import { fromAnthropicStopReason } from './map-stop-reason.js';
import { readEventJson, unreadableEvent, unreadableEventError } from '../read-event-json.js';

type Json = Record<string, unknown>;

/** Messages stream events to core stream events; tool calls are numbered in the order they start. */
export function createAnthropicStreamDecoder(): StreamDecoder {
  let usageFields: Json = {};
  let stopReason: IrStopReason = 'end';
  let stopSequence: string | null = null;
  const toolIndexByBlock = new Map<number, number>();

  return (event: SseEvent): IrStreamEvent[] => {
    if (event.event === 'ping') return [];
    const payload = readEventJson<Json>(event);
    if (payload === unreadableEvent) return [unreadableEventError()];
    if (payload === undefined) return [];
    switch (event.event ?? payload.type) {
      case 'message_start': {
        const message = (payload.message ?? {}) as Json;
        usageFields = { ...((message.usage as Json | undefined) ?? {}) };
        const usage = convertAnthropicUsage(usageFields);
        return [{ type: 'start', id: String(message.id ?? ''), model: String(message.model ?? ''), ...(usage ? { usage } : {}) }];
      }
      case 'content_block_start': {
        const block = (payload.content_block ?? {}) as Json;
        if (block.type !== 'tool_use') return [];
        const index = toolIndexByBlock.size;
        toolIndexByBlock.set(Number(payload.index), index);
        return [{ type: 'tool-call-start', index, id: String(block.id), name: String(block.name) }];
      }
      case 'content_block_delta': {
        const delta = (payload.delta ?? {}) as Json;
        if (delta.type === 'text_delta') return [{ type: 'text-delta', text: String(delta.text ?? '') }];
        if (delta.type === 'thinking_delta') return [{ type: 'reasoning-delta', text: String(delta.thinking ?? '') }];
        if (delta.type === 'signature_delta') return [{ type: 'reasoning-state', state: { family: 'anthropic', value: String(delta.signature ?? '') } }];
        if (delta.type === 'input_json_delta') {
          return [{ type: 'tool-call-delta', index: toolIndexByBlock.get(Number(payload.index)) ?? 0, argumentsDelta: String(delta.partial_json ?? '') }];
        }
        return [];
      }
      case 'message_delta': {
        const delta = (payload.delta ?? {}) as Json;
        stopReason = fromAnthropicStopReason(delta.stop_reason);
        stopSequence = typeof delta.stop_sequence === 'string' ? delta.stop_sequence : null;
        usageFields = { ...usageFields, ...((payload.usage as Json | undefined) ?? {}) };
        return [];
      }
      case 'message_stop': {
        const usage: TokenUsage | undefined = usageFields.output_tokens === undefined ? undefined : convertAnthropicUsage(usageFields);
        return [{ type: 'finish', stopReason, stopSequence, usage }];
      }
      case 'error': {
        const error = (payload.error ?? {}) as Json;
        return [{ type: 'error', status: error.type === 'overloaded_error' ? 529 : 502, message: String(error.message ?? 'upstream stream error') }];
      }
      default:
        return [];
    }
  };
}
