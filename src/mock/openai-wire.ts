import type { MockAnswer } from './mock-answer.js';
import { randomId } from './mock-conversation.js';

/** OpenAI Chat Completions wire format, as also served by Gemini's OpenAI-compatible endpoint. */

const errorTypes: Record<number, [type: string, code: string | null]> = {
  400: ['invalid_request_error', null],
  401: ['invalid_request_error', 'invalid_api_key'],
  403: ['invalid_request_error', 'unsupported_country_region_territory'],
  404: ['invalid_request_error', 'model_not_found'],
  429: ['requests', 'rate_limit_exceeded'],
  500: ['server_error', null],
  503: ['server_error', null],
};

export function openAiError(status: number, message: string): unknown {
  const [type, code] = errorTypes[status] ?? [status >= 500 ? 'server_error' : 'invalid_request_error', null];
  return { error: { message, type, param: null, code } };
}

function usageBlock(answer: MockAnswer) {
  return {
    prompt_tokens: answer.usage.inputTokens,
    completion_tokens: answer.usage.outputTokens,
    total_tokens: answer.usage.inputTokens + answer.usage.outputTokens,
    prompt_tokens_details: {
      cached_tokens: answer.usage.cacheReadTokens,
      audio_tokens: 0,
      ...(answer.usage.imageTokens === undefined ? {} : { image_tokens: answer.usage.imageTokens }),
    },
    completion_tokens_details: {
      reasoning_tokens: answer.usage.reasoningTokens,
      audio_tokens: 0,
      accepted_prediction_tokens: 0,
      rejected_prediction_tokens: 0,
    },
    // OpenRouter's usage accounting: the cost in credits (USD), beside the counts.
    ...(answer.usage.costUsd === undefined ? {} : { cost: answer.usage.costUsd }),
  };
}

function toolCalls(answer: MockAnswer) {
  if (!answer.toolCall) return undefined;
  return [{ id: answer.toolCall.id, type: 'function', function: { name: answer.toolCall.name, arguments: answer.toolCall.argumentsJson } }];
}

export function openAiCompletion(answer: MockAnswer): unknown {
  const calls = toolCalls(answer);
  const completion: Record<string, unknown> = {
    id: randomId('chatcmpl-'),
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: answer.model,
    system_fingerprint: 'fp_sluice_mock',
    choices: [
      {
        index: 0,
        message: { role: 'assistant', content: calls ? null : answer.text, refusal: null, ...(calls ? { tool_calls: calls } : {}) },
        logprobs: null,
        finish_reason: calls ? 'tool_calls' : 'stop',
      },
    ],
  };
  if (!answer.omitUsage) completion.usage = usageBlock(answer);
  return completion;
}

/** `chat.completion.chunk` frames; with include_usage every chunk carries `usage: null` and a last chunk the usage. */
export function openAiStreamEvents(answer: MockAnswer, includeUsage: boolean): string[] {
  const id = randomId('chatcmpl-');
  const created = Math.floor(Date.now() / 1000);
  const withUsage = includeUsage && !answer.omitUsage;
  const chunk = (delta: Record<string, unknown>, finishReason: string | null) => {
    const body: Record<string, unknown> = {
      id,
      object: 'chat.completion.chunk',
      created,
      model: answer.model,
      system_fingerprint: 'fp_sluice_mock',
      choices: [{ index: 0, delta, logprobs: null, finish_reason: finishReason }],
    };
    if (withUsage) body.usage = null;
    return `data: ${JSON.stringify(body)}\n\n`;
  };
  const events: string[] = [];
  if (answer.toolCall) {
    const call = answer.toolCall;
    events.push(
      chunk({ role: 'assistant', content: null, tool_calls: [{ index: 0, id: call.id, type: 'function', function: { name: call.name, arguments: '' } }] }, null),
    );
    for (const piece of call.pieces) events.push(chunk({ tool_calls: [{ index: 0, function: { arguments: piece } }] }, null));
    events.push(chunk({}, 'tool_calls'));
  } else {
    events.push(chunk({ role: 'assistant', content: '', refusal: null }, null));
    for (const piece of answer.pieces) events.push(chunk({ content: piece }, null));
    events.push(chunk({}, 'stop'));
  }
  if (withUsage) {
    const usageChunk = { id, object: 'chat.completion.chunk', created, model: answer.model, system_fingerprint: 'fp_sluice_mock', choices: [], usage: usageBlock(answer) };
    events.push(`data: ${JSON.stringify(usageChunk)}\n\n`);
  }
  events.push('data: [DONE]\n\n');
  return events;
}
