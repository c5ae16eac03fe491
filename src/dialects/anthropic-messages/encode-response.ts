import type { IrResponse } from '../../ir/ir-types.js';
import { stateForCaller } from '../../ir/reasoning-state.js';
import type { TokenUsage } from '../../domain/token-usage.js';
import type { JsonObject } from '../wire-facts.js';
import { toAnthropicStopReason } from './map-stop-reason.js';

/** Anthropic's usage block: `input_tokens` excludes the cache reads and writes reported beside it. */
export function anthropicUsage(usage: TokenUsage): JsonObject {
  return {
    input_tokens: usage.inputTokens - usage.cacheReadTokens - usage.cacheWriteTokens,
    cache_creation_input_tokens: usage.cacheWriteTokens,
    cache_read_input_tokens: usage.cacheReadTokens,
    output_tokens: usage.outputTokens,
  };
}

export function anthropicMessageId(id: string): string {
  return id.startsWith('msg_') ? id : `msg_${id.replace(/^chatcmpl-/, '') || 'sluice'}`;
}

export function encodeAnthropicResponse(response: IrResponse): JsonObject {
  const content: JsonObject[] = [];
  for (const part of response.content) {
    if (part.type === 'text') content.push({ type: 'text', text: part.text });
    else if (part.type === 'tool-call') content.push({ type: 'tool_use', id: part.id, name: part.name, input: parseObject(part.arguments) });
    else if (part.type === 'reasoning') {
      if (part.redacted) content.push({ type: 'redacted_thinking', data: part.redacted });
      else content.push({ type: 'thinking', thinking: part.text, signature: part.state ? stateForCaller(part.state, 'anthropic') : '' });
    }
  }
  return {
    id: anthropicMessageId(response.id),
    type: 'message',
    role: 'assistant',
    model: response.model,
    content,
    stop_reason: toAnthropicStopReason(response.stopReason),
    stop_sequence: response.stopSequence ?? null,
    usage: anthropicUsage(response.usage),
  };
}

function parseObject(text: string): unknown {
  try {
    const parsed: unknown = JSON.parse(text || '{}');
    return parsed !== null && typeof parsed === 'object' ? parsed : {};
  } catch {
    return {};
  }
}
