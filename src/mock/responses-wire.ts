import type { MockAnswer } from './mock-answer.js';
import { randomId } from './mock-conversation.js';

/** OpenAI Responses wire format (`POST /v1/responses`), JSON and the streamed event sequence. */

type Json = Record<string, unknown>;

/** A Responses body seen as `{ system, messages }`, so the mock counts and echoes it like the others. */
export function responsesAsConversation(body: Json): Json {
  const input = typeof body.input === 'string' ? [{ role: 'user', content: body.input }] : ((body.input as Json[] | undefined) ?? []);
  return { ...body, system: body.instructions, messages: input.filter((item) => typeof item.role === 'string') };
}

function usageBlock(answer: MockAnswer): Json {
  return {
    input_tokens: answer.usage.inputTokens,
    input_tokens_details: { cached_tokens: answer.usage.cacheReadTokens, ...(answer.usage.imageTokens === undefined ? {} : { image_tokens: answer.usage.imageTokens }) },
    output_tokens: answer.usage.outputTokens,
    output_tokens_details: { reasoning_tokens: answer.usage.reasoningTokens },
    total_tokens: answer.usage.inputTokens + answer.usage.outputTokens,
    ...(answer.usage.costUsd === undefined ? {} : { cost: answer.usage.costUsd }),
  };
}

function outputItem(answer: MockAnswer, itemId: string): Json {
  if (answer.toolCall) {
    return { id: itemId, type: 'function_call', status: 'completed', call_id: answer.toolCall.id, name: answer.toolCall.name, arguments: answer.toolCall.argumentsJson };
  }
  return { id: itemId, type: 'message', status: 'completed', role: 'assistant', content: [{ type: 'output_text', text: answer.text, annotations: [] }] };
}

function envelope(id: string, answer: MockAnswer, status: string): Json {
  return { id, object: 'response', created_at: Math.floor(Date.now() / 1000), status, error: null, incomplete_details: null, model: answer.model, store: false };
}

export function responsesObject(answer: MockAnswer): Json {
  const id = randomId('resp_');
  return { ...envelope(id, answer, 'completed'), output: [outputItem(answer, randomId(answer.toolCall ? 'fc_' : 'msg_'))], usage: answer.omitUsage ? null : usageBlock(answer) };
}

export function responsesStreamEvents(answer: MockAnswer): string[] {
  const id = randomId('resp_');
  const itemId = randomId(answer.toolCall ? 'fc_' : 'msg_');
  let sequence = 0;
  const frame = (type: string, data: Json) => `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: sequence++, ...data })}\n\n`;
  const at = { item_id: itemId, output_index: 0 };
  const events = [
    frame('response.created', { response: { ...envelope(id, answer, 'in_progress'), output: [], usage: null } }),
    frame('response.in_progress', { response: { ...envelope(id, answer, 'in_progress'), output: [], usage: null } }),
  ];
  const item = outputItem(answer, itemId);
  if (answer.toolCall) {
    events.push(frame('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', arguments: '' } }));
    for (const piece of answer.toolCall.pieces) events.push(frame('response.function_call_arguments.delta', { ...at, delta: piece }));
    events.push(frame('response.function_call_arguments.done', { ...at, arguments: answer.toolCall.argumentsJson }));
  } else {
    events.push(frame('response.output_item.added', { output_index: 0, item: { ...item, status: 'in_progress', content: [] } }));
    events.push(frame('response.content_part.added', { ...at, content_index: 0, part: { type: 'output_text', text: '', annotations: [] } }));
    for (const piece of answer.pieces) events.push(frame('response.output_text.delta', { ...at, content_index: 0, delta: piece, logprobs: [] }));
    events.push(frame('response.output_text.done', { ...at, content_index: 0, text: answer.text, logprobs: [] }));
    events.push(frame('response.content_part.done', { ...at, content_index: 0, part: { type: 'output_text', text: answer.text, annotations: [] } }));
  }
  events.push(frame('response.output_item.done', { output_index: 0, item }));
  events.push(
    frame('response.completed', { response: { ...envelope(id, answer, 'completed'), output: [item], usage: answer.omitUsage ? null : usageBlock(answer) } }),
  );
  return events;
}
