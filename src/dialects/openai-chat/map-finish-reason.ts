import type { IrStopReason } from '../../ir/ir-types.js';

export function fromOpenAiFinishReason(reason: unknown): IrStopReason {
  switch (reason) {
    case 'stop':
      return 'end';
    case 'length':
      return 'max_tokens';
    case 'tool_calls':
    case 'function_call':
      return 'tool_calls';
    case 'content_filter':
      return 'content_filter';
    default:
      return 'other';
  }
}

export function toOpenAiFinishReason(reason: IrStopReason): string {
  switch (reason) {
    case 'end':
    case 'stop_sequence':
    case 'other':
      return 'stop';
    case 'max_tokens':
      return 'length';
    case 'tool_calls':
      return 'tool_calls';
    case 'content_filter':
    case 'refusal':
      return 'content_filter';
    default: {
      const exhaustive: never = reason;
      return exhaustive;
    }
  }
}
