import type { Wire } from './wire.js';

/**
 * The error event each provider sends inside a stream that fails after it started (an overload, the
 * usual case), as the providers document it.
 */
export function streamErrorEvent(wire: Wire, message: string): string {
  switch (wire) {
    case 'anthropic':
      return `event: error\ndata: ${JSON.stringify({ type: 'error', error: { type: 'overloaded_error', message } })}\n\n`;
    case 'openai':
      return `data: ${JSON.stringify({ error: { message, type: 'server_error', param: null, code: null } })}\n\n`;
    case 'responses':
      return `event: error\ndata: ${JSON.stringify({ type: 'error', code: 'server_error', message, param: null, sequence_number: 0 })}\n\n`;
    case 'gemini':
      return `data: ${JSON.stringify({ error: { code: 503, message, status: 'UNAVAILABLE' } })}\n\n`;
    default: {
      const exhaustive: never = wire;
      return exhaustive;
    }
  }
}
