import { GatewayError } from '../../../errors/gateway-error.js';
import { admit, limitSubjects, type Admission } from '../../../policy/admission.js';
import { timeoutCeilingOf } from '../../../policy/timeout-ceiling.js';
import type { ModelCall } from '../model-call.js';

/**
 * Output reserved against a budget when the caller sets no max_tokens (OpenAI's own default is the model's
 * limit, which would make the reservation absurd); a longer answer settles to its real cost afterwards.
 */
const defaultReservedOutputTokens = 4096;

/**
 * Stage 6 — rate limits, concurrency caps and budget reservations for key, user and team, and for a model
 * group and the key's share of it, all or nothing (with Redis: one round trip). 429 `rate_limited` / `concurrency_limited` / `budget_exceeded`. What it
 * holds is given back when the call is settled. Under a cap with `queueMs` the call may wait here for a
 * slot; the wait lands in `call.queueWaitMs`, and a caller that leaves meanwhile leaves the queue at once.
 * The same subjects' `timeouts` become the call's ceiling on its upstream clocks (`call.timeoutCeiling`).
 */
export async function admitCall(call: ModelCall): Promise<void> {
  const { services } = call;
  try {
    call.admission = await admitOrRefuse(call);
  } catch (error) {
    // sluice_rate_limited_total: the refusal's reason names the scope and the limit.
    if (error instanceof GatewayError) services.metrics.recordRateLimited(error.reason);
    throw error;
  }
}

function admitOrRefuse(call: ModelCall): Promise<Admission> {
  const { services } = call;
  const subjects = limitSubjects(call.caller!.key, services.principals, services.limitDefaults, call.resolvedRoute!.group?.limits);
  call.timeoutCeiling = timeoutCeilingOf(subjects);
  return admit({
    subjects,
    counters: services.limitCounters,
    now: services.clock,
    estimateTokens: () => call.estimateInputTokens() + maximumOutputTokens(call),
    ledger: services.budgetLedger,
    maximumCostUsd: () => maximumCostUsd(call),
    queue: services.slotQueue,
    signal: call.signal,
    waitRecord: call,
  });
}

/** The dearest the call can be wherever it lands: the reservation must cover a fallback to a pricier target. */
function maximumCostUsd(call: ModelCall): number {
  const inputTokens = call.estimateInputTokens();
  // Embeddings produce no output tokens: the input is the whole price.
  const maxOutputTokens = call.embeddingsRequest ? 0 : maximumOutputTokens(call) || defaultReservedOutputTokens;
  let maximum = 0;
  for (const { provider, upstreamModel } of call.routePlan!.candidates) {
    const cost = call.services.costBound.maximumCostUsd({
      provider: provider.name,
      pricingProviderId: provider.pricingProviderId,
      model: upstreamModel,
      inputTokens,
      maxOutputTokens,
    });
    if (cost > maximum) maximum = cost;
  }
  return maximum;
}

/**
 * The most output the call can produce, for a token-limit estimate and a budget reservation: what goes
 * upstream, which a translation may set where the caller did not (Claude needs max_tokens, and room for
 * thinking), so the reservation covers what is actually sent.
 */
function maximumOutputTokens(call: ModelCall): number {
  if (call.embeddingsRequest) return 0;
  try {
    return call.plan!.upstreamDialect.sentMaxOutputTokens(call.coreRequest()) ?? 0;
  } catch {
    return 0;
  }
}
