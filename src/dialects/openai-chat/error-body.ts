import type { GatewayError } from '../../errors/gateway-error.js';
import { encodeSseEvent } from '../../upstream/sse-decoder.js';
import type { JsonObject } from '../wire-facts.js';

/** OpenAI's error `type` for a status, as its SDKs and clients expect it. */
function openAiErrorType(status: number): string {
  if (status === 401) return 'authentication_error';
  if (status === 403) return 'permission_error';
  if (status === 404) return 'not_found_error';
  if (status === 429) return 'rate_limit_error';
  if (status >= 500) return 'api_error';
  return 'invalid_request_error';
}

export function openAiChatErrorBody(error: GatewayError): JsonObject {
  return { error: { message: error.message, type: openAiErrorType(error.status), param: error.param ?? null, code: error.code } };
}

export function openAiChatStreamErrorEvent(error: GatewayError): string {
  return encodeSseEvent({ data: JSON.stringify(openAiChatErrorBody(error)) });
}

/** `{error: {message, type, param, code}}`: OpenAI's envelope, for Chat Completions and Responses alike. */
export function isOpenAiErrorBody(body: unknown): boolean {
  const envelope = body as { type?: unknown; error?: { message?: unknown; type?: unknown } } | null;
  const error = envelope?.error;
  // Anthropic's envelope also nests {type, message} under `error`, beside a top-level `type`.
  return !Array.isArray(body) && envelope?.type === undefined && typeof error?.message === 'string' && typeof error.type === 'string';
}
