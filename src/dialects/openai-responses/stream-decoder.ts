import type { IrStreamEvent } from '../../ir/ir-types.js';
import type { SseEvent } from '../../upstream/sse-decoder.js';
import type { StreamDecoder } from '../dialect.js';
import { convertResponsesUsage } from './convert-usage.js';
import { stopReasonOfResponse } from './map-status.js';
import { readEventJson, unreadableEvent, unreadableEventError } from '../read-event-json.js';

type Json = Record<string, unknown>;

/** Responses stream events to core stream events. */
export function createResponsesStreamDecoder(): StreamDecoder {
  const toolIndexByItem = new Map<string, number>();
  const customInput = new Map<string, string>();
  return (event: SseEvent): IrStreamEvent[] => {
    const payload = readEventJson<Json>(event);
    if (payload === unreadableEvent) return [unreadableEventError()];
    if (payload === undefined) return [];
    const itemId = String(payload.item_id ?? '');
    switch (payload.type ?? event.event) {
      case 'response.created': {
        const response = (payload.response ?? {}) as Json;
        return [{ type: 'start', id: String(response.id ?? ''), model: String(response.model ?? '') }];
      }
      case 'response.output_item.added': {
        const item = (payload.item ?? {}) as Json;
        if (item.type !== 'function_call' && item.type !== 'custom_tool_call') return [];
        const index = toolIndexByItem.size;
        toolIndexByItem.set(String(item.id), index);
        if (item.type === 'custom_tool_call') customInput.set(String(item.id), '');
        return [{ type: 'tool-call-start', index, id: String(item.call_id), name: String(item.name) }];
      }
      case 'response.output_item.done': {
        // Encrypted reasoning (include: reasoning.encrypted_content) arrives whole with the finished item.
        const item = (payload.item ?? {}) as Json;
        if (item.type !== 'reasoning' || typeof item.encrypted_content !== 'string' || !item.encrypted_content) return [];
        return [{ type: 'reasoning-state', state: { family: 'openai', value: item.encrypted_content } }];
      }
      case 'response.output_text.delta':
      case 'response.refusal.delta':
        return [{ type: 'text-delta', text: String(payload.delta ?? '') }];
      case 'response.reasoning_summary_text.delta':
      case 'response.reasoning_text.delta':
        return [{ type: 'reasoning-delta', text: String(payload.delta ?? '') }];
      case 'response.function_call_arguments.delta':
        return [{ type: 'tool-call-delta', index: toolIndexByItem.get(itemId) ?? 0, argumentsDelta: String(payload.delta ?? '') }];
      case 'response.custom_tool_call_input.delta':
        customInput.set(itemId, (customInput.get(itemId) ?? '') + String(payload.delta ?? ''));
        return [];
      case 'response.custom_tool_call_input.done':
        // Free text travels as a function's `{ "input": … }` argument in the core model.
        return [{ type: 'tool-call-delta', index: toolIndexByItem.get(itemId) ?? 0, argumentsDelta: JSON.stringify({ input: String(payload.input ?? customInput.get(itemId) ?? '') }) }];
      case 'response.completed':
      case 'response.incomplete': {
        const response = (payload.response ?? {}) as Json;
        return [{ type: 'finish', stopReason: stopReasonOfResponse(response), usage: convertResponsesUsage(response.usage) }];
      }
      case 'response.failed': {
        const error = (((payload.response ?? {}) as Json).error ?? {}) as Json;
        return [{ type: 'error', status: 502, message: String(error.message ?? 'the upstream response failed') }];
      }
      case 'error':
        return [{ type: 'error', status: 502, message: String(payload.message ?? 'upstream stream error') }];
      default:
        return [];
    }
  };
}
