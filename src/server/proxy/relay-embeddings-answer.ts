import type { EmbeddingsRelay, RelayOptions } from './relay-options.js';
import { forwardableResponseHeaders } from './response-headers.js';
import { sendWholeAnswer } from './send-whole-answer.js';
import { publicModelOf } from './conceal-private-target.js';

/**
 * A successful embeddings answer. Pass-through: the upstream's bytes go back untouched after a usage read
 * (vectors are decoded only when the cache keeps the answer). Translated: decoded into the core model,
 * which throws a 502 the attempt loop can fail over on when no vectors can be read, and encoded for the
 * caller (base64 written by Sluice when the caller asked for it and the provider only sends numbers).
 */
export function relayEmbeddingsAnswer(options: RelayOptions, embeddings: EmbeddingsRelay, parsed: unknown, bytes: Buffer): void {
  const { context } = options;
  if (!embeddings.translated) {
    const facts = embeddings.upstreamCodec.readResponse(parsed);
    if (facts.usage) context.usage = facts.usage;
    context.reportedModel = facts.reportedModel ?? null;
    if (options.storeInCache) {
      try {
        options.storeInCache({ kind: 'embeddings', response: embeddings.upstreamCodec.decodeResponse(parsed) });
      } catch {
        // An answer the core model cannot hold is still the caller's answer; it is just not kept.
      }
    }
    const { concealment } = context;
    if (!context.targetPrivate || concealment === null) {
      sendWholeAnswer(options, bytes, forwardableResponseHeaders(options.upstream.headers));
      return;
    }
    // The embeddings answer names its model where the shape's chat answer does (OpenAI's top-level `model`).
    context.dialect.renameModel(parsed, publicModelOf(concealment, context.requestedModel));
    sendWholeAnswer(options, Buffer.from(JSON.stringify(parsed)), forwardableResponseHeaders(options.upstream.headers, true));
    return;
  }
  const decoded = embeddings.upstreamCodec.decodeResponse(parsed);
  if (!decoded.usage) {
    // Gemini counts nothing, and an OpenAI caller reads `usage`: it gets the estimate the row records.
    decoded.usage = { inputTokens: context.estimateInputTokens(), outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    context.inputTokensEstimated = true;
  }
  context.usage = decoded.usage;
  context.reportedModel = decoded.model || null;
  // Gemini does not name the model in its answer; the caller's shape does, and it names the one called.
  if (!decoded.model) decoded.model = context.upstreamModel ?? '';
  if (context.targetPrivate && context.concealment !== null) decoded.model = publicModelOf(context.concealment, context.requestedModel);
  options.storeInCache?.({ kind: 'embeddings', response: decoded });
  const encoded = Buffer.from(JSON.stringify(embeddings.callerCodec.encodeResponse(decoded, embeddings.request)));
  sendWholeAnswer(options, encoded, { 'content-type': 'application/json' });
}
