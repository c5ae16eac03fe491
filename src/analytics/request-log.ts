import { GatewayError } from '../errors/gateway-error.js';
import type { UsageRow } from '../domain/usage-row.js';
import type { AnalyticsContext } from './analytics-context.js';
import { booleanParameter, choiceParameter, integerParameter, parameter, parseFilters, parseWindow, type QueryParameters } from './analytics-query.js';

const defaultLimit = 50;
const maximumLimit = 200;

/** The cursor is the (created_at, id) of a page's last row, opaque to clients. */
export function encodeCursor(row: Pick<UsageRow, 'createdAt' | 'id'>): string {
  return Buffer.from(JSON.stringify([row.createdAt, row.id])).toString('base64url');
}

export function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(decoded) && decoded.length === 2 && Number.isSafeInteger(decoded[0]) && typeof decoded[1] === 'string' && decoded[1].length <= 64) {
      return { createdAt: decoded[0] as number, id: decoded[1] };
    }
  } catch {
    // Refused below, like any other cursor this server did not hand out.
  }
  throw new GatewayError('invalid_request', "'cursor' is not a cursor from a previous page.", { param: 'cursor' });
}

/** A usage row as the request log shows it. */
export function requestJson(row: UsageRow, context: AnalyticsContext) {
  return {
    id: row.id,
    created_at: new Date(row.createdAt).toISOString(),
    key_id: row.keyId,
    key_name: row.keyId === null ? null : (context.keys.get(row.keyId)?.name ?? null),
    user: row.userName,
    team: row.teamName,
    requester: row.requester,
    tags: row.tags,
    run: row.runId,
    trial: row.trialId,
    dialect: row.inboundDialect,
    operation: row.operation,
    requested_model: row.requestedModel,
    served_model: row.upstreamModel ?? row.requestedModel,
    provider: row.provider,
    group: row.groupName,
    stream: row.stream,
    status_code: row.statusCode,
    outcome: row.outcome,
    error_code: row.errorCode,
    input_tokens: row.inputTokens,
    output_tokens: row.outputTokens,
    cache_read_tokens: row.cacheReadTokens,
    cache_write_tokens: row.cacheWriteTokens,
    reasoning_tokens: row.reasoningTokens,
    image_count: row.imageCount,
    image_tokens: row.imageTokens,
    cost_usd: row.costUsd,
    // Beside Sluice's price, what the upstream said it billed (null when it said nothing).
    billed_cost_usd: row.billedCostUsd,
    latency_ms: row.latencyMs,
    ttfb_ms: row.timeToFirstByteMs,
    cached: row.cached,
    saved_usd: row.savedCostUsd,
    attempts: row.attempts,
  };
}

/** `GET /analytics/requests`: newest first, keyset-paginated on (created_at, id). */
export async function requestLogReport(query: QueryParameters, context: AnalyticsContext) {
  // The log reads raw rows by index, so its window is exact (not widened to rollup buckets).
  const window = parseWindow(query, context.now);
  const limit = integerParameter(query, 'limit', 1, maximumLimit) ?? defaultLimit;
  const cursor = parameter(query, 'cursor');
  const rows = await context.store.listUsage({
    from: window.from,
    to: window.to,
    filters: parseFilters(query),
    outcome: choiceParameter(query, 'outcome', ['ok', 'error', 'cancelled']),
    cached: booleanParameter(query, 'cached'),
    statusCode: integerParameter(query, 'status_code', 100, 599),
    after: cursor === undefined ? undefined : decodeCursor(cursor),
    limit: limit + 1,
  });
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return { object: 'list', data: page.map((row) => requestJson(row, context)), next_cursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** A request log row, and what `GET /analytics/requests` answers; the dashboard reads them through these types (dashboard/src/contract.ts). */
export type RequestJson = ReturnType<typeof requestJson>;
export type RequestLogAnswer = Awaited<ReturnType<typeof requestLogReport>>;
