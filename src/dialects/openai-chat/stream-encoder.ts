import type { IrStreamEvent } from '../../ir/ir-types.js';
import { encodeSseEvent } from '../../upstream/sse-decoder.js';
import type { StreamEncoder } from '../dialect.js';
import { stateForProvider } from '../../ir/reasoning-state.js';
import { geminiExtraContent, openAiChatUsage } from './encode-response.js';
import { toOpenAiFinishReason } from './map-finish-reason.js';

/** Core stream events as `chat.completion.chunk` frames, ending with `[DONE]`. */
export function createOpenAiChatStreamEncoder(options: { model: string; includeUsage: boolean }): StreamEncoder {
  let id = 'chatcmpl-sluice';
  let pendingSignature: string | undefined;
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
        pendingSignature = undefined;
        return frame({ content: event.text });
      case 'reasoning-delta':
        return frame({ reasoning_content: event.text });
      case 'reasoning-state':
        // Chat Completions has a place for Gemini's signature of a call only (on the call that follows).
        pendingSignature = stateForProvider(event.state, 'gemini');
        return '';
      case 'tool-call-start': {
        const call = { index: event.index, id: event.id, type: 'function', function: { name: event.name, arguments: '' }, ...geminiExtraContent(pendingSignature) };
        pendingSignature = undefined;
        return frame({ tool_calls: [call] });
      }
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
