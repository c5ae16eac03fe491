import type { IrResponse } from '../../ir/ir-types.js';
import type { TokenUsage } from '../../usage/token-usage.js';
import type { JsonObject } from '../dialect.js';
import { toOpenAiFinishReason } from './map-finish-reason.js';

export function openAiChatUsage(usage: TokenUsage): JsonObject {
  return {
    prompt_tokens: usage.inputTokens,
    completion_tokens: usage.outputTokens,
    total_tokens: usage.inputTokens + usage.outputTokens,
    prompt_tokens_details: { cached_tokens: usage.cacheReadTokens },
    completion_tokens_details: { reasoning_tokens: usage.reasoningTokens },
  };
}

export function encodeOpenAiChatResponse(response: IrResponse): JsonObject {
  const text = response.content.filter((part) => part.type === 'text').map((part) => part.text).join('');
  const reasoning = response.content.filter((part) => part.type === 'reasoning').map((part) => part.text).join('');
  const calls = response.content.filter((part) => part.type === 'tool-call');
  const message: JsonObject = { role: 'assistant', content: text.length > 0 || calls.length === 0 ? text : null, refusal: null };
  if (reasoning) message.reasoning_content = reasoning;
  if (calls.length > 0) {
    message.tool_calls = calls.map((call) => ({ id: call.id, type: 'function', function: { name: call.name, arguments: call.arguments } }));
  }
  return {
    id: response.id.startsWith('chatcmpl-') ? response.id : `chatcmpl-${response.id}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: response.model,
    choices: [{ index: 0, message, logprobs: null, finish_reason: toOpenAiFinishReason(response.stopReason) }],
    usage: openAiChatUsage(response.usage),
  };
}
