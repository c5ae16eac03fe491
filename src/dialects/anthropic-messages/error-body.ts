import type { GatewayError } from '../../errors/gateway-error.js';
import { encodeSseEvent } from '../../upstream/sse-decoder.js';
import type { JsonObject } from '../wire-facts.js';

/** Anthropic's error `type` for a status (https://docs.anthropic.com/en/api/errors). */
function anthropicErrorType(status: number): string {
  switch (status) {
    case 401:
      return 'authentication_error';
    case 403:
      return 'permission_error';
    case 404:
      return 'not_found_error';
    case 413:
      return 'request_too_large';
    case 429:
      return 'rate_limit_error';
    case 504:
      return 'timeout_error';
    case 529:
      return 'overloaded_error';
    default:
      return status >= 500 ? 'api_error' : 'invalid_request_error';
  }
}

export function anthropicErrorBody(error: GatewayError): JsonObject {
  return { type: 'error', error: { type: anthropicErrorType(error.status), message: error.message } };
}

export function anthropicStreamErrorEvent(error: GatewayError): string {
  return encodeSseEvent({ event: 'error', data: JSON.stringify(anthropicErrorBody(error)) });
}

/** `{type: "error", error: {type, message}}`. */
export function isAnthropicErrorBody(body: unknown): boolean {
  const envelope = body as { type?: unknown; error?: { type?: unknown; message?: unknown } } | null;
  return envelope?.type === 'error' && typeof envelope.error?.type === 'string' && typeof envelope.error.message === 'string';
}
