import type { MockAnswer } from './mock-answer.js';
import { randomId } from './mock-conversation.js';

/** Anthropic Messages wire format: https://docs.anthropic.com/en/api/messages and /messages-streaming */

const errorTypes: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'not_found_error',
  413: 'request_too_large',
  429: 'rate_limit_error',
  500: 'api_error',
  529: 'overloaded_error',
};

export function anthropicError(status: number, message: string, requestId = randomId('req_')): unknown {
  return {
    type: 'error',
    error: { type: errorTypes[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error'), message },
    request_id: requestId,
  };
}

function usageBlock(answer: MockAnswer, outputTokens: number) {
  return {
    input_tokens: answer.usage.inputTokens - answer.usage.cacheReadTokens - answer.usage.cacheWriteTokens,
    cache_creation_input_tokens: answer.usage.cacheWriteTokens,
    cache_read_input_tokens: answer.usage.cacheReadTokens,
    output_tokens: outputTokens,
  };
}

function contentBlock(answer: MockAnswer): Record<string, unknown> {
  if (answer.toolCall) {
    return { type: 'tool_use', id: answer.toolCall.id.replace('call_', 'toolu_'), name: answer.toolCall.name, input: JSON.parse(answer.toolCall.argumentsJson) };
  }
  return { type: 'text', text: answer.text };
}

export function anthropicMessage(answer: MockAnswer): unknown {
  const message: Record<string, unknown> = {
    id: randomId('msg_'),
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content: [contentBlock(answer)],
    stop_reason: answer.toolCall ? 'tool_use' : 'end_turn',
    stop_sequence: null,
  };
  if (!answer.omitUsage) message.usage = usageBlock(answer, answer.usage.outputTokens);
  return message;
}

/** The exact event sequence of a streamed message, as `event:` + `data:` SSE frames. */
export function anthropicStreamEvents(answer: MockAnswer): string[] {
  const frame = (type: string, data: unknown) => `event: ${type}\ndata: ${JSON.stringify(data)}\n\n`;
  const start = {
    id: randomId('msg_'),
    type: 'message',
    role: 'assistant',
    model: answer.model,
    content: [],
    stop_reason: null,
    stop_sequence: null,
    // The SDKs' stream accumulators write into `usage`, so "no numbers" is an empty object, not a missing one.
    usage: answer.omitUsage ? {} : usageBlock(answer, 1),
  };
  const events = [frame('message_start', { type: 'message_start', message: start })];
  if (answer.toolCall) {
    const block = { type: 'tool_use', id: answer.toolCall.id.replace('call_', 'toolu_'), name: answer.toolCall.name, input: {} };
    events.push(frame('content_block_start', { type: 'content_block_start', index: 0, content_block: block }));
    events.push(frame('ping', { type: 'ping' }));
    for (const piece of answer.toolCall.pieces) {
      events.push(frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'input_json_delta', partial_json: piece } }));
    }
  } else {
    events.push(frame('content_block_start', { type: 'content_block_start', index: 0, content_block: { type: 'text', text: '' } }));
    events.push(frame('ping', { type: 'ping' }));
    for (const piece of answer.pieces) {
      events.push(frame('content_block_delta', { type: 'content_block_delta', index: 0, delta: { type: 'text_delta', text: piece } }));
    }
  }
  events.push(frame('content_block_stop', { type: 'content_block_stop', index: 0 }));
  events.push(
    frame('message_delta', {
      type: 'message_delta',
      delta: { stop_reason: answer.toolCall ? 'tool_use' : 'end_turn', stop_sequence: null },
      usage: answer.omitUsage ? {} : { output_tokens: answer.usage.outputTokens },
    }),
  );
  events.push(frame('message_stop', { type: 'message_stop' }));
  return events;
}
