import { GatewayError } from '../../../errors/gateway-error.js';
import { admit, limitSubjects, type Admission } from '../../../policy/admission.js';
import { type LimitSubject } from '../../../domain/limit-subject.js';
import { timeoutCeilingOf } from '../../../policy/timeout-ceiling.js';
import type { TimeoutSettings } from '../../../domain/timeouts.js';
import type { AdmittedCall, PlannedCall } from '../call-phases.js';
import type { ModelCall } from '../model-call.js';

/**
 * Output reserved against a budget when the caller sets no max_tokens (OpenAI's own default is the model's
 * limit, which would make the reservation absurd); a longer answer settles to its real cost afterwards.
 */
const defaultReservedOutputTokens = 4096;

/**
 * Stage 7 — rate limits, concurrency caps and budget reservations for key, user and team, and for a model
 * group and the key's share of it, all or nothing (with Redis: one round trip). 429 `rate_limited` / `concurrency_limited` / `budget_exceeded`. What it
 * holds (`call.admission`) is given back when the call is settled. Under a cap with `queueMs` the call may wait here for a
 * slot; the wait lands in `call.queueWaitMs`, and a caller that leaves meanwhile leaves the queue at once.
 * The same subjects' `timeouts` become the call's ceiling on its upstream clocks (`timeoutCeiling`).
 */
export async function admitCall(call: ModelCall, planned: PlannedCall): Promise<AdmittedCall> {
  const { services } = call;
  let timeoutCeiling: TimeoutSettings | undefined;
  try {
    const subjects = limitSubjects(planned.parsed.caller.key, services.principals, services.limitDefaults, planned.route.group?.limits);
    timeoutCeiling = timeoutCeilingOf(subjects);
    call.admission = await admitOrRefuse(call, planned, subjects);
  } catch (error) {
    // sluice_rate_limited_total: the refusal's reason names the scope and the limit.
    if (error instanceof GatewayError) services.metrics.recordRateLimited(error.reason);
    throw error;
  }
  return admitted(planned, timeoutCeiling);
}

function admitted(planned: PlannedCall, timeoutCeiling: TimeoutSettings | undefined): AdmittedCall {
  return { parsed: planned.parsed, route: planned.route, plan: planned.plan, first: planned.first, timeoutCeiling };
}

function admitOrRefuse(call: ModelCall, planned: PlannedCall, subjects: LimitSubject[]): Promise<Admission> {
  const { services } = call;
  return admit({
    subjects,
    counters: services.limitCounters,
    now: services.clock,
    estimateTokens: () => planned.parsed.estimateInputTokens() + maximumOutputTokens(planned),
    ledger: services.budgetLedger,
    maximumCostUsd: () => maximumCostUsd(call, planned),
    queue: services.slotQueue,
    signal: call.signal,
    waitRecord: call,
  });
}

/** The dearest the call can be wherever it lands: the reservation must cover a fallback to a pricier target. */
function maximumCostUsd(call: ModelCall, planned: PlannedCall): number {
  const inputTokens = planned.parsed.estimateInputTokens();
  // Embeddings produce no output tokens: the input is the whole price.
  const maxOutputTokens = planned.parsed.embeddings ? 0 : maximumOutputTokens(planned) || defaultReservedOutputTokens;
  let maximum = 0;
  for (const { provider, upstreamModel } of planned.plan.candidates) {
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
function maximumOutputTokens(planned: PlannedCall): number {
  if (planned.parsed.embeddings) return 0;
  try {
    return planned.first.upstreamDialect.sentMaxOutputTokens(planned.parsed.coreRequest()) ?? 0;
  } catch {
    return 0;
  }
}
