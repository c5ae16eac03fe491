import type { IrPart, IrRequest, IrResponse } from '../../ir/ir-types.js';
import { stateForCaller } from '../../ir/reasoning-state.js';
import type { JsonObject } from '../wire-facts.js';
import { responsesUsage } from './convert-usage.js';
import { freeformInput } from './encode-request.js';
import { statusOfStopReason } from './map-status.js';

type Json = Record<string, unknown>;

export function responseId(id: string): string {
  return id.startsWith('resp_') ? id : `resp_${id.replace(/^(chatcmpl-|msg_)/, '') || 'sluice'}`;
}

/** One output item for a part, in the Responses shape (`status: completed`). */
export function outputItemOf(part: IrPart, itemId: string, freeform: ReadonlySet<string>): Json | undefined {
  switch (part.type) {
    case 'text':
      return { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: part.text, annotations: [] }] };
    case 'tool-call':
      if (freeform.has(part.name)) return { id: itemId, type: 'custom_tool_call', status: 'completed', call_id: part.id, name: part.name, input: freeformInput(part.arguments) };
      return { id: itemId, type: 'function_call', status: 'completed', call_id: part.id, name: part.name, arguments: part.arguments };
    case 'reasoning':
      return {
        id: itemId,
        type: 'reasoning',
        summary: part.text ? [{ type: 'summary_text', text: part.text }] : [],
        ...(part.state ? { encrypted_content: stateForCaller(part.state, 'openai') } : {}),
      };
    default:
      return undefined;
  }
}

/** The fields every Responses object carries, whatever its status. */
export function responseEnvelope(id: string, model: string, request: IrRequest, createdAt: number): Json {
  return {
    id: responseId(id),
    object: 'response',
    created_at: createdAt,
    model,
    instructions: request.system.map((part) => part.text).join('\n\n') || null,
    max_output_tokens: request.maxTokens ?? null,
    parallel_tool_calls: request.parallelToolCalls ?? true,
    temperature: request.temperature ?? null,
    top_p: request.topP ?? null,
    tool_choice: request.toolChoice?.type === 'tool' ? { type: 'function', name: request.toolChoice.name } : (request.toolChoice?.type ?? 'auto'),
    tools: [],
    store: false,
    error: null,
    metadata: {},
  };
}

export function encodeResponsesResponse(response: IrResponse, request: IrRequest): JsonObject {
  const freeform = new Set(request.tools.filter((tool) => tool.freeform).map((tool) => tool.name));
  // Consecutive text parts are one message item.
  const merged: IrPart[] = [];
  for (const part of response.content) {
    const previous = merged.at(-1);
    if (part.type === 'text' && previous?.type === 'text') merged[merged.length - 1] = { type: 'text', text: previous.text + part.text };
    else merged.push(part);
  }
  const output = merged.map((part, index) => outputItemOf(part, `${part.type === 'text' ? 'msg' : part.type === 'reasoning' ? 'rs' : 'fc'}_${index}_${response.id}`, freeform)).filter(Boolean);
  return {
    ...responseEnvelope(response.id, response.model, request, Math.floor(Date.now() / 1000)),
    ...statusOfStopReason(response.stopReason),
    output,
    usage: responsesUsage(response.usage),
  };
}
