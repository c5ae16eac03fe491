import type { IrStreamEvent } from '../../ir/ir-types.js';
import { stateForCaller } from '../../ir/reasoning-state.js';
import { encodeSseEvent } from '../../upstream/sse-decoder.js';
import { emptyUsage } from '../../domain/token-usage.js';
import type { StreamEncoder } from '../dialect.js';
import { anthropicMessageId, anthropicUsage } from './encode-response.js';
import { toAnthropicStopReason } from './map-stop-reason.js';

type BlockKind = 'text' | 'thinking' | 'tool_use';

/**
 * Core stream events as the Messages event sequence: message_start, then content blocks opened and closed
 * as the kind of delta changes, message_delta with the stop reason and usage, message_stop.
 */
export function createAnthropicStreamEncoder(options: { model: string }): StreamEncoder {
  let blockIndex = -1;
  let openBlock: BlockKind | undefined;
  let openToolIndex = -1;
  const frame = (type: string, data: Record<string, unknown>) => encodeSseEvent({ event: type, data: JSON.stringify({ type, ...data }) });

  const closeBlock = (): string => {
    if (openBlock === undefined) return '';
    openBlock = undefined;
    return frame('content_block_stop', { index: blockIndex });
  };
  const openNew = (kind: BlockKind, contentBlock: Record<string, unknown>): string => {
    const closing = closeBlock();
    blockIndex++;
    openBlock = kind;
    return closing + frame('content_block_start', { index: blockIndex, content_block: contentBlock });
  };

  return (event: IrStreamEvent): string => {
    switch (event.type) {
      case 'start':
        return frame('message_start', {
          message: {
            id: anthropicMessageId(event.id),
            type: 'message',
            role: 'assistant',
            model: options.model,
            content: [],
            stop_reason: null,
            stop_sequence: null,
            usage: anthropicUsage(event.usage ?? emptyUsage()),
          },
        });
      case 'text-delta': {
        const opening = openBlock === 'text' ? '' : openNew('text', { type: 'text', text: '' });
        return opening + frame('content_block_delta', { index: blockIndex, delta: { type: 'text_delta', text: event.text } });
      }
      case 'reasoning-delta': {
        const opening = openBlock === 'thinking' ? '' : openNew('thinking', { type: 'thinking', thinking: '', signature: '' });
        return opening + frame('content_block_delta', { index: blockIndex, delta: { type: 'thinking_delta', thinking: event.text } });
      }
      case 'reasoning-state': {
        const opening = openBlock === 'thinking' ? '' : openNew('thinking', { type: 'thinking', thinking: '', signature: '' });
        const signature = stateForCaller(event.state, 'anthropic');
        return opening + frame('content_block_delta', { index: blockIndex, delta: { type: 'signature_delta', signature } });
      }
      case 'tool-call-start':
        openToolIndex = event.index;
        return openNew('tool_use', { type: 'tool_use', id: event.id, name: event.name, input: {} });
      case 'tool-call-delta':
        // Deltas for a call other than the open one (interleaved parallel calls) cannot be expressed; drop them.
        if (openBlock !== 'tool_use' || event.index !== openToolIndex) return '';
        return frame('content_block_delta', { index: blockIndex, delta: { type: 'input_json_delta', partial_json: event.argumentsDelta } });
      case 'finish':
        return (
          closeBlock() +
          frame('message_delta', {
            delta: { stop_reason: toAnthropicStopReason(event.stopReason), stop_sequence: event.stopSequence ?? null },
            usage: anthropicUsage(event.usage ?? emptyUsage()),
          }) +
          frame('message_stop', {})
        );
      case 'error':
        return encodeSseEvent({
          event: 'error',
          data: JSON.stringify({ type: 'error', error: { type: event.status === 529 ? 'overloaded_error' : 'api_error', message: event.message } }),
        });
      default: {
        const exhaustive: never = event;
        return exhaustive;
      }
    }
  };
}
