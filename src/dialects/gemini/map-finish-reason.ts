import type { IrStopReason } from '../../ir/ir-types.js';

export function fromGeminiFinishReason(reason: unknown, hasToolCalls: boolean): IrStopReason {
  if (hasToolCalls) return 'tool_calls';
  switch (reason) {
    case 'STOP':
      return 'end';
    case 'MAX_TOKENS':
      return 'max_tokens';
    case 'SAFETY':
    case 'RECITATION':
    case 'BLOCKLIST':
    case 'PROHIBITED_CONTENT':
    case 'SPII':
    case 'IMAGE_SAFETY':
      return 'content_filter';
    default:
      return 'other';
  }
}

/** Gemini has no tool-call finish reason: a function call simply ends with STOP. */
export function toGeminiFinishReason(reason: IrStopReason): string {
  switch (reason) {
    case 'end':
    case 'stop_sequence':
    case 'tool_calls':
      return 'STOP';
    case 'max_tokens':
      return 'MAX_TOKENS';
    case 'content_filter':
    case 'refusal':
      return 'SAFETY';
    case 'other':
      return 'OTHER';
    default: {
      const exhaustive: never = reason;
      return exhaustive;
    }
  }
}
