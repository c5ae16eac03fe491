import type { IrStreamEvent } from '../../ir/ir-types.js';
import { encodeSseEvent } from '../../upstream/sse-decoder.js';
import type { StreamEncoder } from '../dialect.js';
import { openAiChatUsage } from './encode-response.js';
import { toOpenAiFinishReason } from './map-finish-reason.js';

/** Core stream events as `chat.completion.chunk` frames, ending with `[DONE]`. */
export function createOpenAiChatStreamEncoder(options: { model: string; includeUsage: boolean }): StreamEncoder {
  let id = 'chatcmpl-sluice';
  const created = Math.floor(Date.now() / 1000);
  const frame = (delta: Record<string, unknown>, finishReason: string | null = null) => {
    const chunk: Record<string, unknown> = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: options.model,
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    if (options.includeUsage) chunk.usage = null;
    return encodeSseEvent({ data: JSON.stringify(chunk) });
  };

  return (event: IrStreamEvent): string => {
    switch (event.type) {
      case 'start':
        id = event.id.startsWith('chatcmpl-') ? event.id : `chatcmpl-${event.id || 'sluice'}`;
        return frame({ role: 'assistant', content: '' });
      case 'text-delta':
        return frame({ content: event.text });
      case 'reasoning-delta':
        return frame({ reasoning_content: event.text });
      case 'reasoning-state':
        // Chat Completions has no field for reasoning state; it cannot survive this shape.
        return '';
      case 'tool-call-start':
        return frame({ tool_calls: [{ index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' } }] });
      case 'tool-call-delta':
        return frame({ tool_calls: [{ index: event.index, function: { arguments: event.argumentsDelta } }] });
      case 'finish': {
        let text = frame({}, toOpenAiFinishReason(event.stopReason));
        if (options.includeUsage && event.usage) {
          const usageChunk = { id, object: 'chat.completion.chunk', created, model: options.model, choices: [], usage: openAiChatUsage(event.usage) };
          text += encodeSseEvent({ data: JSON.stringify(usageChunk) });
        }
        return `${text}data: [DONE]\n\n`;
      }
      case 'error':
        return encodeSseEvent({ data: JSON.stringify({ error: { message: event.message, type: 'api_error', param: null, code: event.code ?? 'upstream_error' } }) });
      default: {
        const exhaustive: never = event;
        return exhaustive;
      }
    }
  };
}
