import type { IrStreamEvent } from '../../ir/ir-types.js';
import { stateForCaller } from '../../ir/reasoning-state.js';
import { encodeSseEvent } from '../../upstream/sse-decoder.js';
import type { StreamEncoder } from '../dialect.js';
import { responsesUsage } from './convert-usage.js';
import { freeformInput } from './encode-request.js';
import { responseEnvelope, responseId } from './encode-response.js';
import { statusOfStopReason } from './map-status.js';

type Json = Record<string, unknown>;

interface OpenItem {
  kind: 'message' | 'reasoning' | 'function_call' | 'custom_tool_call';
  id: string;
  outputIndex: number;
  text: string;
  callId?: string;
  name?: string;
  toolIndex?: number;
  /** Reasoning state to hand back as `encrypted_content`. */
  state?: string;
}

/**
 * Core stream events as the Responses event sequence: response.created / in_progress, then per output item
 * output_item.added → deltas → done events → output_item.done, and response.completed (or incomplete)
 * carrying the whole response with its usage.
 */
export function createResponsesStreamEncoder(options: { model: string; request: import('../../ir/ir-types.js').IrRequest }): StreamEncoder {
  const freeform = new Set(options.request.tools.filter((tool) => tool.freeform).map((tool) => tool.name));
  const createdAt = Math.floor(Date.now() / 1000);
  let sequence = 0;
  let id = 'sluice';
  let open: OpenItem | undefined;
  const done: Json[] = [];
  const frame = (type: string, data: Json) => encodeSseEvent({ event: type, data: JSON.stringify({ type, sequence_number: sequence++, ...data }) });
  const envelope = () => responseEnvelope(id, options.model, options.request, createdAt);

  const close = (): string => {
    if (!open) return '';
    const item = open;
    open = undefined;
    const at = { item_id: item.id, output_index: item.outputIndex };
    let text = '';
    let finished: Json;
    if (item.kind === 'message') {
      const part = { type: 'output_text', text: item.text, annotations: [] };
      text += frame('response.output_text.done', { ...at, content_index: 0, text: item.text, logprobs: [] });
      text += frame('response.content_part.done', { ...at, content_index: 0, part });
      finished = { id: item.id, type: 'message', status: 'completed', role: 'assistant', content: [part] };
    } else if (item.kind === 'reasoning') {
      const part = { type: 'summary_text', text: item.text };
      if (item.text) {
        text += frame('response.reasoning_summary_text.done', { ...at, summary_index: 0, text: item.text });
        text += frame('response.reasoning_summary_part.done', { ...at, summary_index: 0, part });
      }
      finished = { id: item.id, type: 'reasoning', summary: item.text ? [part] : [], ...(item.state ? { encrypted_content: item.state } : {}) };
    } else if (item.kind === 'custom_tool_call') {
      const input = freeformInput(item.text);
      text += frame('response.custom_tool_call_input.delta', { ...at, delta: input });
      text += frame('response.custom_tool_call_input.done', { ...at, input });
      finished = { id: item.id, type: 'custom_tool_call', status: 'completed', call_id: item.callId, name: item.name, input };
    } else {
      text += frame('response.function_call_arguments.done', { ...at, arguments: item.text });
      finished = { id: item.id, type: 'function_call', status: 'completed', call_id: item.callId, name: item.name, arguments: item.text };
    }
    done.push(finished);
    return text + frame('response.output_item.done', { output_index: item.outputIndex, item: finished });
  };

  const openItem = (kind: OpenItem['kind'], added: Json, extra: Partial<OpenItem> = {}): string => {
    const closing = close();
    const prefix = kind === 'message' ? 'msg' : kind === 'reasoning' ? 'rs' : kind === 'custom_tool_call' ? 'ctc' : 'fc';
    open = { kind, id: `${prefix}_${done.length}_${id}`, outputIndex: done.length, text: '', ...extra };
    return closing + frame('response.output_item.added', { output_index: open.outputIndex, item: { id: open.id, ...added } });
  };

  return (event: IrStreamEvent): string => {
    switch (event.type) {
      case 'start': {
        id = responseId(event.id).slice('resp_'.length);
        const inProgress = { ...envelope(), status: 'in_progress', incomplete_details: null, output: [], usage: null };
        return frame('response.created', { response: inProgress }) + frame('response.in_progress', { response: inProgress });
      }
      case 'text-delta': {
        let text = '';
        if (open?.kind !== 'message') {
          text += openItem('message', { type: 'message', status: 'in_progress', role: 'assistant', content: [] });
          text += frame('response.content_part.added', { item_id: open!.id, output_index: open!.outputIndex, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } });
        }
        open!.text += event.text;
        return text + frame('response.output_text.delta', { item_id: open!.id, output_index: open!.outputIndex, content_index: 0, delta: event.text, logprobs: [] });
      }
      case 'reasoning-delta': {
        let text = '';
        if (open?.kind !== 'reasoning') text += openItem('reasoning', { type: 'reasoning', summary: [] });
        if (open!.text === '') {
          text += frame('response.reasoning_summary_part.added', { item_id: open!.id, output_index: open!.outputIndex, summary_index: 0, part: { type: 'summary_text', text: '' } });
        }
        open!.text += event.text;
        return text + frame('response.reasoning_summary_text.delta', { item_id: open!.id, output_index: open!.outputIndex, summary_index: 0, delta: event.text });
      }
      case 'reasoning-state': {
        const opening = open?.kind === 'reasoning' ? '' : openItem('reasoning', { type: 'reasoning', summary: [] });
        open!.state = stateForCaller(event.state, 'openai');
        return opening;
      }
      case 'tool-call-start': {
        const kind = freeform.has(event.name) ? 'custom_tool_call' : 'function_call';
        const added =
          kind === 'custom_tool_call'
            ? { type: kind, status: 'in_progress', call_id: event.id, name: event.name, input: '' }
            : { type: kind, status: 'in_progress', call_id: event.id, name: event.name, arguments: '' };
        return openItem(kind, added, { callId: event.id, name: event.name, toolIndex: event.index });
      }
      case 'tool-call-delta':
        if (!open || open.toolIndex !== event.index) return '';
        open.text += event.argumentsDelta;
        // Free text is sent whole when the call closes: the model streamed it wrapped in JSON.
        if (open.kind === 'custom_tool_call') return '';
        return frame('response.function_call_arguments.delta', { item_id: open.id, output_index: open.outputIndex, delta: event.argumentsDelta });
      case 'finish': {
        const closing = close();
        const outcome = statusOfStopReason(event.stopReason);
        const response = { ...envelope(), ...outcome, output: done, usage: event.usage ? responsesUsage(event.usage) : null };
        return closing + frame(outcome.status === 'completed' ? 'response.completed' : 'response.incomplete', { response });
      }
      case 'error':
        return frame('error', { code: event.code ?? (event.status === 529 ? 'overloaded' : 'upstream_error'), message: event.message, param: null });
      default: {
        const exhaustive: never = event;
        return exhaustive;
      }
    }
  };
}
