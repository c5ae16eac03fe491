import type { IrPart, IrResponse } from '../../ir/ir-types.js';
import { emptyUsage } from '../../domain/token-usage.js';
import { convertAnthropicUsage } from './convert-usage.js';
import { fromAnthropicStopReason } from './map-stop-reason.js';

type Json = Record<string, unknown>;

export function decodeAnthropicResponse(body: unknown): IrResponse {
  const message = (body ?? {}) as Json;
  const content: IrPart[] = [];
  for (const block of (message.content as Json[] | undefined) ?? []) {
    if (block.type === 'text') content.push({ type: 'text', text: String(block.text ?? '') });
    else if (block.type === 'tool_use') {
      content.push({ type: 'tool-call', id: String(block.id), name: String(block.name), arguments: JSON.stringify(block.input ?? {}) });
    } else if (block.type === 'thinking') {
      const signature = typeof block.signature === 'string' ? block.signature : '';
      content.push({ type: 'reasoning', text: String(block.thinking ?? ''), ...(signature ? { state: { family: 'anthropic' as const, value: signature } } : {}) });
    } else if (block.type === 'redacted_thinking') content.push({ type: 'reasoning', text: '', redacted: String(block.data ?? '') });
  }
  return {
    id: String(message.id ?? ''),
    model: String(message.model ?? ''),
    content,
    stopReason: fromAnthropicStopReason(message.stop_reason),
    stopSequence: typeof message.stop_sequence === 'string' ? message.stop_sequence : null,
    usage: convertAnthropicUsage(message.usage) ?? emptyUsage(),
  };
}
