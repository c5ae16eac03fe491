import type { GatewayError } from '../../errors/gateway-error.js';
import { encodeSseEvent } from '../../upstream/sse-decoder.js';

/** Responses errors use the Chat Completions envelope; inside a stream they are an `error` event. */
export function responsesStreamErrorEvent(error: GatewayError): string {
  return encodeSseEvent({
    event: 'error',
    data: JSON.stringify({ type: 'error', code: error.code, message: error.message, param: error.param ?? null, sequence_number: 0 }),
  });
}
