import type { IrStopReason } from '../../ir/ir-types.js';

type Json = Record<string, unknown>;

/** A Responses object's status (and its output) as a stop reason. */
export function stopReasonOfResponse(response: Json): IrStopReason {
  if (response.status === 'incomplete') {
    const reason = (response.incomplete_details as Json | undefined)?.reason;
    return reason === 'content_filter' ? 'content_filter' : 'max_tokens';
  }
  const output = (response.output as Json[] | undefined) ?? [];
  return output.some((item) => item.type === 'function_call' || item.type === 'custom_tool_call') ? 'tool_calls' : 'end';
}

/** A stop reason as a Responses status and incomplete details. */
export function statusOfStopReason(reason: IrStopReason): { status: string; incomplete_details: Json | null } {
  switch (reason) {
    case 'max_tokens':
      return { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } };
    case 'content_filter':
    case 'refusal':
      return { status: 'incomplete', incomplete_details: { reason: 'content_filter' } };
    case 'end':
    case 'stop_sequence':
    case 'tool_calls':
    case 'other':
      return { status: 'completed', incomplete_details: null };
    default: {
      const exhaustive: never = reason;
      return exhaustive;
    }
  }
}
