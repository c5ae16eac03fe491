import { isDeepStrictEqual } from 'node:util';
import type { AnswerToolCall } from './replay-answer.js';
import type { Verifier } from './verifier.js';

/**
 * `tool-call-same`: 1 when the answer calls the same tools, in the same order, with the same arguments as the
 * original (arguments compared as JSON values, so key order and spacing do not count), else 0. Two answers
 * that call no tool are the same.
 */
export const toolCallSameVerifier: Verifier = {
  name: 'tool-call-same',
  score: (_request, answer, reference) => {
    if (answer.error !== undefined || answer.toolCalls.length !== reference.toolCalls.length) return 0;
    return answer.toolCalls.every((call, index) => sameCall(call, reference.toolCalls[index]!)) ? 1 : 0;
  },
};

function sameCall(a: AnswerToolCall, b: AnswerToolCall): boolean {
  return a.name === b.name && isDeepStrictEqual(argumentsOf(a), argumentsOf(b));
}

/** Arguments as a JSON value; text that is not JSON compares as the text. */
function argumentsOf(call: AnswerToolCall): unknown {
  try {
    return JSON.parse(call.arguments === '' ? '{}' : call.arguments) as unknown;
  } catch {
    return call.arguments;
  }
}
