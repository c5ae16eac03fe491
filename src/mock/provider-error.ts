import { anthropicError } from './anthropic-wire.js';
import { geminiError } from './gemini-wire.js';
import { openAiError } from './openai-wire.js';
import type { Wire } from './wire.js';

/**
 * An error body in the shape the provider behind `wire` uses; `gemini-list` is the one-element list of
 * Gemini errors its OpenAI-compatible API answers with (`[{"error": {"code", "message", "status"}}]`).
 */
export function providerError(wire: Wire, status: number, message: string, requestId: string, errors?: 'gemini-list'): unknown {
  if (errors === 'gemini-list') return [geminiError(status, message)];
  switch (wire) {
    case 'anthropic':
      return anthropicError(status, message, requestId);
    case 'gemini':
      return geminiError(status, message);
    case 'openai':
    case 'responses':
      return openAiError(status, message);
  }
}

/** The header each provider names its request id in; the SDKs surface it as `_request_id` / `request_id`. */
export function requestIdHeaders(wire: Wire, requestId: string): Record<string, string> {
  switch (wire) {
    case 'anthropic':
      return { 'request-id': requestId };
    case 'gemini':
      return {};
    case 'openai':
    case 'responses':
      return { 'x-request-id': requestId };
  }
}
