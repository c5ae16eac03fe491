import type { IrPart, IrResponse } from '../../ir/ir-types.js';
import { emptyUsage } from '../../domain/token-usage.js';
import { convertGeminiUsage } from './convert-usage.js';
import { field } from './decode-request.js';
import { fromGeminiFinishReason } from './map-finish-reason.js';

type Json = Record<string, unknown>;

/** The parts of a response's first candidate as core parts; function calls get ids when Gemini gave none. */
export function candidateParts(response: Json, nextCallId: () => string): IrPart[] {
  const candidate = ((response.candidates as Json[] | undefined) ?? [])[0];
  const parts: IrPart[] = [];
  for (const part of ((candidate?.content as Json | undefined)?.parts as Json[] | undefined) ?? []) {
    const signature = field(part, 'thoughtSignature');
    const state = typeof signature === 'string' && signature ? { family: 'gemini' as const, value: signature } : undefined;
    const call = field(part, 'functionCall') as Json | undefined;
    if (call) {
      // The thought signature of a call is reasoning state that must go back just before that call.
      if (state) parts.push({ type: 'reasoning', text: '', state });
      parts.push({ type: 'tool-call', id: typeof call.id === 'string' ? call.id : nextCallId(), name: String(call.name), arguments: JSON.stringify(call.args ?? {}) });
    } else if (typeof part.text === 'string') {
      if (part.thought === true) parts.push({ type: 'reasoning', text: part.text, ...(state ? { state } : {}) });
      else {
        if (state) parts.push({ type: 'reasoning', text: '', state });
        parts.push({ type: 'text', text: part.text });
      }
    }
  }
  return parts;
}

export function decodeGeminiResponse(body: unknown): IrResponse {
  const response = (body ?? {}) as Json;
  let calls = 0;
  const content = candidateParts(response, () => `call_${calls++}`);
  const candidate = ((response.candidates as Json[] | undefined) ?? [])[0];
  return {
    id: String(field(response, 'responseId') ?? ''),
    model: String(field(response, 'modelVersion') ?? ''),
    content,
    stopReason: fromGeminiFinishReason(field(candidate, 'finishReason'), content.some((part) => part.type === 'tool-call')),
    usage: convertGeminiUsage(field(response, 'usageMetadata')) ?? emptyUsage(),
  };
}

