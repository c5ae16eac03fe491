import type { ChatAnswer } from '../cache/response-cache.js';
import type { IrPart, IrRequest, IrStopReason, IrStreamEvent } from '../ir/ir-types.js';

/**
 * Prompts and answers in the GenAI conventions' message format (`gen_ai.input.messages`,
 * `gen_ai.output.messages`, `gen_ai.system_instructions`): `{ role, parts: [{ type, … }] }`, exported as a
 * JSON string because span attributes cannot hold structures. Built from the core model, so every shape
 * reads the same. Only used when `telemetry.captureContent` is on.
 */
export type GenAiPart =
  | { type: 'text'; content: string }
  | { type: 'reasoning'; content: string }
  | { type: 'tool_call'; id: string; name: string; arguments: unknown }
  | { type: 'tool_call_response'; id: string; response: string }
  | { type: 'uri'; modality: 'image'; uri: string }
  /** An inline image is named, never exported: its bytes would crowd out everything else. */
  | { type: 'blob'; modality: 'image'; mime_type: string };

export interface GenAiMessage {
  role: 'system' | 'user' | 'assistant' | 'tool';
  parts: GenAiPart[];
  finish_reason?: string;
}

export function systemInstructionsOf(request: IrRequest): GenAiPart[] {
  return request.system.map((part) => ({ type: 'text', content: part.text }));
}

export function inputMessagesOf(request: IrRequest): GenAiMessage[] {
  return request.messages.map((message) => {
    const parts = message.parts.flatMap(partsOf);
    // Tool results travel in user turns in most shapes; the conventions give them a role of their own.
    const toolResultsOnly = parts.length > 0 && parts.every((part) => part.type === 'tool_call_response');
    return { role: toolResultsOnly ? 'tool' : message.role, parts };
  });
}

/** The answer as one assistant message, from a whole response or the core events of a stream. */
export function outputMessagesOf(answer: ChatAnswer): GenAiMessage[] {
  if (answer.kind === 'whole') {
    return [{ role: 'assistant', parts: answer.response.content.flatMap(partsOf), finish_reason: finishReasonOf(answer.response.stopReason) }];
  }
  return [foldStream(answer.events)];
}

function partsOf(part: IrPart): GenAiPart[] {
  switch (part.type) {
    case 'text':
      return [{ type: 'text', content: part.text }];
    case 'reasoning':
      return part.text === '' ? [] : [{ type: 'reasoning', content: part.text }];
    case 'tool-call':
      return [{ type: 'tool_call', id: part.id, name: part.name, arguments: parsedArguments(part.arguments) }];
    case 'tool-result':
      return [{ type: 'tool_call_response', id: part.toolCallId, response: part.content.map((item) => (item.type === 'text' ? item.text : '[image]')).join('') }];
    case 'image':
      return [part.source.kind === 'url' ? { type: 'uri', modality: 'image', uri: part.source.url } : { type: 'blob', modality: 'image', mime_type: part.source.mediaType }];
    default: {
      const _exhaustive: never = part;
      return _exhaustive;
    }
  }
}

function foldStream(events: IrStreamEvent[]): GenAiMessage {
  const parts: GenAiPart[] = [];
  const toolCalls = new Map<number, { id: string; name: string; arguments: string }>();
  let finishReason = 'stop';
  const appendText = (type: 'text' | 'reasoning', text: string) => {
    const last = parts.at(-1);
    if (last?.type === type) last.content += text;
    else parts.push({ type, content: text });
  };
  for (const event of events) {
    if (event.type === 'text-delta') appendText('text', event.text);
    else if (event.type === 'reasoning-delta') appendText('reasoning', event.text);
    else if (event.type === 'tool-call-start') toolCalls.set(event.index, { id: event.id, name: event.name, arguments: '' });
    else if (event.type === 'tool-call-delta') {
      const call = toolCalls.get(event.index);
      if (call) call.arguments += event.argumentsDelta;
    } else if (event.type === 'finish') finishReason = finishReasonOf(event.stopReason);
  }
  for (const call of toolCalls.values()) parts.push({ type: 'tool_call', id: call.id, name: call.name, arguments: parsedArguments(call.arguments) });
  return { role: 'assistant', parts, finish_reason: finishReason };
}

/** Arguments are a JSON object in the conventions; a model's malformed arguments stay the text they were. */
function parsedArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The conventions' finish reasons (stop, length, content_filter, tool_call, error) for the core model's. */
function finishReasonOf(reason: IrStopReason): string {
  switch (reason) {
    case 'end':
    case 'stop_sequence':
    case 'other':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_calls':
      return 'tool_call';
    case 'content_filter':
    case 'refusal':
      return 'content_filter';
    default: {
      const _exhaustive: never = reason;
      return _exhaustive;
    }
  }
}
