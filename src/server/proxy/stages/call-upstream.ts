import type { CachedAnswer } from '../../../cache/response-cache.js';
import { classifyUpstreamFailure } from '../../../upstream/upstream-client.js';
import { answerHeadersOf } from '../answer-headers.js';
import type { ModelCall } from '../model-call.js';
import { relayUpstreamResponse } from '../relay-upstream-response.js';
import { costOf } from './settle-and-record.js';

/**
 * Stage 8 — the upstream call and the relay of its answer in the caller's shape: whole bodies byte for byte
 * (or translated), streams chunk by chunk with backpressure while a tap reads usage. 502 unreachable,
 * 504 timeout; once the answer has started, a failure ends it with an in-band error event.
 */
export async function callUpstream(call: ModelCall): Promise<void> {
  const { signal, services } = call;
  const plan = call.plan!;
  // A caller already gone is not worth a provider call (nor the estimate of one in its row).
  if (signal.aborted) throw signal.reason;
  let upstream;
  call.sentUpstream = true;
  try {
    upstream = await services.upstream.send({ ...plan.parts, signal });
  } catch (error) {
    if (signal.aborted) throw error;
    throw classifyUpstreamFailure(error, call.target!.provider.name, 'request');
  }
  await relayUpstreamResponse({
    context: call,
    upstream,
    response: call.response,
    sluiceHeaders: answerHeadersOf(call),
    signal,
    removeInjectedUsageChunk: plan.removeInjectedUsageChunk,
    translation: plan.translation,
    storeInCache: call.cache ? (answer) => storeAnswer(call, answer) : undefined,
  });
}

/** Keeps a successful answer for later hits, with what it cost (recorded as saved on every hit). */
function storeAnswer(call: ModelCall, answer: CachedAnswer['answer']): void {
  if (!call.cache) return;
  const { services } = call;
  const entry: CachedAnswer = { answer, reportedModel: call.reportedModel, costUsd: costOf(call), storedAt: Date.now() };
  void services.responseCache.set(call.cache.key, entry, call.cache.ttlMs).catch((error: unknown) => {
    services.logger.warn({ err: error }, 'storing a cached answer failed');
  });
}
