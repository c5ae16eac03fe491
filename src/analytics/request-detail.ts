import { GatewayError } from '../errors/gateway-error.js';
import type { AnalyticsContext } from './analytics-context.js';
import { priceJson } from './price-explanation.js';
import { requestJson } from './request-log.js';

/** `GET /analytics/requests/{id}`: one row in full, with its attempts and how its cost adds up. */
export async function requestDetailReport(id: string, context: AnalyticsContext) {
  const row = id.length <= 64 ? await context.store.usageRow(id) : undefined;
  if (!row) throw new GatewayError('request_not_found', `No request with id '${id.slice(0, 64)}' (unknown, or past usage.retainDays).`, { param: 'id' });
  return {
    object: 'analytics.request',
    ...requestJson(row, context),
    reported_model: row.reportedModel,
    policy: row.policy,
    fallback: row.fallback,
    queue_wait_ms: row.queueWaitMs,
    input_tokens_estimated: row.inputTokensEstimated,
    output_tokens_estimated: row.outputTokensEstimated,
    attempt_trail: row.attemptTrail.map((attempt) => ({
      target: attempt.target,
      provider: attempt.provider,
      model: attempt.model,
      status_code: attempt.statusCode,
      error_code: attempt.errorCode,
      retry_after_ms: attempt.retryAfterMs,
      ttfb_ms: attempt.timeToFirstByteMs,
      duration_ms: attempt.durationMs,
    })),
    price: priceJson(row),
  };
}

/** What `GET /analytics/requests/{id}` answers; the dashboard reads it through this type (dashboard/src/contract.ts). */
export type RequestDetailAnswer = Awaited<ReturnType<typeof requestDetailReport>>;
