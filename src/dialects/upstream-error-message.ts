type Json = Record<string, unknown>;

/**
 * The human message inside an upstream error body, whatever shape the provider answered in: OpenAI and
 * Gemini `{error: {message}}`, Anthropic `{type: "error", error: {message}}`, Gemini's OpenAI-compatible
 * API `[{error: {...}}]`, `{error: "text"}` (Ollama), `{message}` (vLLM, Mistral) and `{detail}` (servers
 * built on FastAPI). Undefined when there is none, and the status speaks alone.
 */
export function upstreamErrorMessage(body: unknown): string | undefined {
  if (Array.isArray(body)) return body.length > 0 ? upstreamErrorMessage(body[0]) : undefined;
  if (!isObject(body)) return undefined;
  const error = body.error;
  if (typeof error === 'string' && error) return error;
  if (isObject(error) && typeof error.message === 'string' && error.message) return error.message;
  if (typeof body.message === 'string' && body.message) return body.message;
  const detail = body.detail;
  if (typeof detail === 'string' && detail) return detail;
  if (Array.isArray(detail)) {
    // FastAPI validation errors: `[{ loc, msg, type }]`.
    const messages = detail.map((item: unknown) => (isObject(item) && typeof item.msg === 'string' ? item.msg : undefined)).filter(Boolean);
    if (messages.length > 0) return messages.join('; ');
  }
  return undefined;
}

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
