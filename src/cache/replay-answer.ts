import type { IrPart, IrResponse, IrStreamEvent } from '../ir/ir-types.js';
import { emptyUsage } from '../domain/token-usage.js';

/** A whole answer as the stream of core events that would have produced it. */
export function eventsOfResponse(response: IrResponse): IrStreamEvent[] {
  const events: IrStreamEvent[] = [{ type: 'start', id: response.id, model: response.model, usage: response.usage }];
  let toolIndex = 0;
  for (const part of response.content) {
    if (part.type === 'text') events.push({ type: 'text-delta', text: part.text });
    else if (part.type === 'reasoning') {
      if (part.text) events.push({ type: 'reasoning-delta', text: part.text });
      if (part.state) events.push({ type: 'reasoning-state', state: part.state });
    } else if (part.type === 'tool-call') {
      const index = toolIndex++;
      events.push({ type: 'tool-call-start', index, id: part.id, name: part.name });
      events.push({ type: 'tool-call-delta', index, argumentsDelta: part.arguments });
    }
  }
  events.push({ type: 'finish', stopReason: response.stopReason, stopSequence: response.stopSequence ?? null, usage: response.usage });
  return events;
}

/** A stream of core events assembled into the whole answer it amounts to. */
export function responseOfEvents(events: IrStreamEvent[]): IrResponse {
  const response: IrResponse = { id: '', model: '', content: [], stopReason: 'end', usage: emptyUsage() };
  const calls = new Map<number, Extract<IrPart, { type: 'tool-call' }>>();
  const last = () => response.content.at(-1);
  for (const event of events) {
    switch (event.type) {
      case 'start':
        response.id = event.id;
        response.model = event.model;
        if (event.usage) response.usage = event.usage;
        break;
      case 'text-delta': {
        const previous = last();
        if (previous?.type === 'text') previous.text += event.text;
        else response.content.push({ type: 'text', text: event.text });
        break;
      }
      case 'reasoning-delta': {
        const previous = last();
        if (previous?.type === 'reasoning' && !previous.state) previous.text += event.text;
        else response.content.push({ type: 'reasoning', text: event.text });
        break;
      }
      case 'reasoning-state': {
        const previous = last();
        if (previous?.type === 'reasoning' && !previous.state) previous.state = event.state;
        else response.content.push({ type: 'reasoning', text: '', state: event.state });
        break;
      }
      case 'tool-call-start': {
        const call: Extract<IrPart, { type: 'tool-call' }> = { type: 'tool-call', id: event.id, name: event.name, arguments: '' };
        calls.set(event.index, call);
        response.content.push(call);
        break;
      }
      case 'tool-call-delta': {
        const call = calls.get(event.index);
        if (call) call.arguments += event.argumentsDelta;
        break;
      }
      case 'finish':
        response.stopReason = event.stopReason;
        response.stopSequence = event.stopSequence ?? null;
        if (event.usage) response.usage = event.usage;
        break;
      case 'error':
        break;
    }
  }
  return response;
}
