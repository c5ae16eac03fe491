import type { CachedAnswer } from '../../cache/response-cache.js';
import type { RelayOptions } from './relay-options.js';
import type { EmbeddingsRelay } from './upstream-plan.js';
import { servedAnswer, type RelayedAnswer } from './relayed-answer.js';
import { forwardableResponseHeaders } from './response-headers.js';
import { sendWholeAnswer } from './send-whole-answer.js';
import { publicModelOf } from './conceal-private-target.js';

/**
 * A successful embeddings answer. Pass-through: the upstream's bytes go back untouched after a usage read
 * (vectors are decoded only when the cache keeps the answer). Translated: decoded into the core model,
 * which throws a 502 the attempt loop can fail over on when no vectors can be read, and encoded for the
 * caller (base64 written by Sluice when the caller asked for it and the provider only sends numbers).
 */
export function relayEmbeddingsAnswer(options: RelayOptions, embeddings: EmbeddingsRelay, parsed: unknown, bytes: Buffer): RelayedAnswer {
  const { call, attempt, upstream } = options;
  const { statusCode } = upstream;
  if (!embeddings.translated) {
    const facts = embeddings.upstreamCodec.readResponse(parsed);
    const reportedModel = facts.reportedModel ?? null;
    let complete: CachedAnswer['answer'] | undefined;
    if (attempt.keepsAnswer) {
      try {
        complete = { kind: 'embeddings', response: embeddings.upstreamCodec.decodeResponse(parsed) };
      } catch {
        // An answer the core model cannot hold is still the caller's answer; it is just not kept.
      }
    }
    const { concealment } = call;
    if (!attempt.target.private || concealment === null) {
      const firstByteAt = sendWholeAnswer(options, bytes, forwardableResponseHeaders(upstream.headers));
      return servedAnswer({ statusCode, usage: facts.usage, reportedModel, firstByteAt, complete });
    }
    // The embeddings answer names its model where the shape's chat answer does (OpenAI's top-level `model`).
    call.dialect.renameModel(parsed, publicModelOf(concealment, call.requestedModel));
    const firstByteAt = sendWholeAnswer(options, Buffer.from(JSON.stringify(parsed)), forwardableResponseHeaders(upstream.headers, true));
    return servedAnswer({ statusCode, usage: facts.usage, reportedModel, firstByteAt, complete });
  }
  const decoded = embeddings.upstreamCodec.decodeResponse(parsed);
  let inputTokensEstimated = false;
  if (!decoded.usage) {
    // Gemini counts nothing, and an OpenAI caller reads `usage`: it gets the estimate the row records.
    decoded.usage = { inputTokens: call.estimateInputTokens(), outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
    inputTokensEstimated = true;
  }
  const reportedModel = decoded.model || null;
  // Gemini does not name the model in its answer; the caller's shape does, and it names the one called.
  if (!decoded.model) decoded.model = attempt.target.upstreamModel;
  if (attempt.target.private && call.concealment !== null) decoded.model = publicModelOf(call.concealment, call.requestedModel);
  const complete: CachedAnswer['answer'] | undefined = attempt.keepsAnswer ? { kind: 'embeddings', response: decoded } : undefined;
  const encoded = Buffer.from(JSON.stringify(embeddings.callerCodec.encodeResponse(decoded, embeddings.request)));
  const firstByteAt = sendWholeAnswer(options, encoded, { 'content-type': 'application/json' });
  return servedAnswer({ statusCode, usage: decoded.usage, inputTokensEstimated, reportedModel, firstByteAt, complete });
}
