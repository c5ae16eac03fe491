import type { IrPart, IrResponse } from '../../ir/ir-types.js';
import { emptyUsage } from '../../domain/token-usage.js';
import { convertResponsesUsage } from './convert-usage.js';
import { stopReasonOfResponse } from './map-status.js';

type Json = Record<string, unknown>;

export function decodeResponsesResponse(body: unknown): IrResponse {
  const response = (body ?? {}) as Json;
  const content: IrPart[] = [];
  for (const item of (response.output as Json[] | undefined) ?? []) content.push(...partsOfOutputItem(item));
  return {
    id: String(response.id ?? ''),
    model: String(response.model ?? ''),
    content,
    stopReason: stopReasonOfResponse(response),
    usage: convertResponsesUsage(response.usage) ?? emptyUsage(),
  };
}

export function partsOfOutputItem(item: Json): IrPart[] {
  switch (item.type) {
    case 'message':
      return ((item.content as Json[] | undefined) ?? []).map((part) => ({
        type: 'text' as const,
        text: String(part.type === 'refusal' ? (part.refusal ?? '') : (part.text ?? '')),
      }));
    case 'function_call':
      return [{ type: 'tool-call', id: String(item.call_id), name: String(item.name), arguments: String(item.arguments ?? '{}') }];
    case 'custom_tool_call':
      return [{ type: 'tool-call', id: String(item.call_id), name: String(item.name), arguments: JSON.stringify({ input: String(item.input ?? '') }) }];
    case 'reasoning': {
      const text = ((item.summary as Json[] | undefined) ?? []).map((part) => String(part.text ?? '')).join('\n');
      const encrypted = typeof item.encrypted_content === 'string' ? item.encrypted_content : '';
      return [{ type: 'reasoning', text, ...(encrypted ? { state: { family: 'openai' as const, value: encrypted } } : {}) }];
    }
    default:
      return [];
  }
}
