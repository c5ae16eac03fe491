import type { IrPart, IrResponse } from '../../ir/ir-types.js';
import { emptyUsage } from '../../domain/token-usage.js';
import { convertOpenAiChatUsage } from './convert-usage.js';
import { fromOpenAiFinishReason } from './map-finish-reason.js';

type Json = Record<string, unknown>;

export function decodeOpenAiChatResponse(body: unknown): IrResponse {
  const completion = (body ?? {}) as Json;
  const choice = ((completion.choices as Json[] | undefined) ?? [])[0] ?? {};
  const message = (choice.message ?? {}) as Json;
  const content: IrPart[] = [];
  if (typeof message.reasoning_content === 'string' && message.reasoning_content) {
    content.push({ type: 'reasoning', text: message.reasoning_content });
  }
  if (typeof message.content === 'string' && message.content) content.push({ type: 'text', text: message.content });
  if (typeof message.refusal === 'string' && message.refusal) content.push({ type: 'text', text: message.refusal });
  for (const call of (message.tool_calls as Json[] | undefined) ?? []) {
    const fn = (call.function ?? {}) as Json;
    content.push({ type: 'tool-call', id: String(call.id), name: String(fn.name), arguments: String(fn.arguments ?? '{}') });
  }
  return {
    id: String(completion.id ?? ''),
    model: String(completion.model ?? ''),
    content,
    stopReason: fromOpenAiFinishReason(choice.finish_reason),
    usage: convertOpenAiChatUsage(completion.usage) ?? emptyUsage(),
  };
}
