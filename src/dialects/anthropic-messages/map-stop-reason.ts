import type { IrStopReason } from '../../ir/ir-types.js';

export function fromAnthropicStopReason(reason: unknown): IrStopReason {
  switch (reason) {
    case 'end_turn':
      return 'end';
    case 'max_tokens':
    case 'model_context_window_exceeded':
      return 'max_tokens';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'tool_use':
      return 'tool_calls';
    case 'refusal':
      return 'refusal';
    default:
      return 'other';
  }
}

export function toAnthropicStopReason(reason: IrStopReason): string {
  switch (reason) {
    case 'end':
    case 'other':
      return 'end_turn';
    case 'max_tokens':
      return 'max_tokens';
    case 'stop_sequence':
      return 'stop_sequence';
    case 'tool_calls':
      return 'tool_use';
    case 'content_filter':
    case 'refusal':
      return 'refusal';
    default: {
      const exhaustive: never = reason;
      return exhaustive;
    }
  }
}
