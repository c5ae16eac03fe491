import type { IrPart, IrResponse } from '../../ir/ir-types.js';
import { stateForProvider } from '../../ir/reasoning-state.js';
import type { TokenUsage } from '../../domain/token-usage.js';
import type { JsonObject } from '../wire-facts.js';
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
    const signatures = geminiCallSignatures(response.content);
    message.tool_calls = calls.map((call) => ({
      id: call.id,
      type: 'function',
      function: { name: call.name, arguments: call.arguments },
      ...geminiExtraContent(signatures.get(call.id)),
    }));
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

/** Gemini's thought signature of each call, by call id: the bare reasoning state right before it. */
function geminiCallSignatures(parts: IrPart[]): Map<string, string> {
  const signatures = new Map<string, string>();
  let pending: string | undefined;
  for (const part of parts) {
    if (part.type === 'reasoning' && !part.text) pending = stateForProvider(part.state, 'gemini') ?? pending;
    else if (part.type === 'tool-call') {
      if (pending) signatures.set(part.id, pending);
      pending = undefined;
    } else pending = undefined;
  }
  return signatures;
}

/**
 * Where Gemini's own OpenAI-compatible API puts a call's thought signature. Clients send the assistant
 * message back as they got it, so the signature returns and reaches Gemini, which refuses function-call
 * history without it (Gemini 3).
 */
export function geminiExtraContent(signature: string | undefined): JsonObject {
  return signature ? { extra_content: { google: { thought_signature: signature } } } : {};
}
