import type { ProviderEntry } from '../../domain/provider-entry.js';
import type { InboundRequest, PreparedUpstreamBody } from '../dialect.js';
import type { JsonObject } from '../wire-facts.js';

/**
 * Pass-through edits for an OpenAI-shaped body: the resolved model name, and for streams
 * `stream_options.include_usage` so Sluice can meter the call (the extra chunk is removed again when the
 * caller did not ask for it).
 */
export function prepareOpenAiChatBody(
  body: JsonObject,
  request: InboundRequest,
  target: { provider: ProviderEntry; upstreamModel: string },
): PreparedUpstreamBody {
  const prepared: JsonObject = body.model === target.upstreamModel ? body : { ...body, model: target.upstreamModel };
  if (!request.stream || !target.provider.acceptsStreamUsageOption) {
    return { body: prepared, removeInjectedUsageChunk: false };
  }
  const streamOptions = (body.stream_options ?? {}) as JsonObject;
  if (streamOptions.include_usage === true) return { body: prepared, removeInjectedUsageChunk: false };
  return {
    body: { ...prepared, stream_options: { ...streamOptions, include_usage: true } },
    removeInjectedUsageChunk: true,
  };
}
