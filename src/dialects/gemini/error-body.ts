import type { GatewayError } from '../../errors/gateway-error.js';
import { encodeSseEvent } from '../../upstream/sse-decoder.js';
import type { JsonObject } from '../wire-facts.js';

/** Google's canonical status name for an HTTP status (google.rpc.Code). */
function googleStatus(status: number): string {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 'INVALID_ARGUMENT';
    case 401:
      return 'UNAUTHENTICATED';
    case 403:
      return 'PERMISSION_DENIED';
    case 404:
    case 405:
      return 'NOT_FOUND';
    case 429:
      return 'RESOURCE_EXHAUSTED';
    case 499:
      return 'CANCELLED';
    case 503:
      return 'UNAVAILABLE';
    case 504:
      return 'DEADLINE_EXCEEDED';
    default:
      return status >= 500 ? 'INTERNAL' : 'FAILED_PRECONDITION';
  }
}

export function geminiErrorBody(error: GatewayError): JsonObject {
  return { error: { code: error.status, message: error.message, status: googleStatus(error.status) } };
}

export function geminiStreamErrorEvent(error: GatewayError): string {
  return encodeSseEvent({ data: JSON.stringify(geminiErrorBody(error)) });
}

/** `{error: {code, message, status}}` (google.rpc.Status); the OpenAI-compatible API's list of them is not. */
export function isGeminiErrorBody(body: unknown): boolean {
  const error = (body as { error?: { code?: unknown; message?: unknown; status?: unknown } } | null)?.error;
  return !Array.isArray(body) && typeof error?.code === 'number' && typeof error.message === 'string' && typeof error.status === 'string';
}
