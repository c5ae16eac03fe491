import type { UsageRow } from '../domain/usage-row.js';

/**
 * The fields of one request log line: what a call was, where it went and what it cost. Built from the
 * stored usage row, so it holds only what rows hold — never a prompt, an answer or a secret.
 */
export interface RequestLogFields {
  requestId: string;
  /** When the call arrived (ISO 8601). */
  startedAt: string;
  key: string | null;
  user: string | null;
  team: string | null;
  requester: string | null;
  /** The evaluation run and trial the call belongs to (issue 22 §1). */
  run: string | null;
  trial: string | null;
  /** The caller's API shape. */
  shape: string;
  /** `chat` or `embeddings`. */
  operation: string;
  model: string | null;
  /** `provider:model` that served (or last tried) the call; null when it never got that far. */
  target: string | null;
  group: string | null;
  attempts: number;
  status: number;
  error: string | null;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  costUsd: number | null;
  latencyMs: number;
  timeToFirstByteMs: number | null;
  cached: boolean;
  fallback: boolean;
}

export function requestLogFieldsOf(row: UsageRow, keyName: string | null): RequestLogFields {
  return {
    requestId: row.id,
    startedAt: new Date(row.createdAt).toISOString(),
    key: keyName,
    user: row.userName,
    team: row.teamName,
    requester: row.requester,
    run: row.runId,
    trial: row.trialId,
    shape: row.inboundDialect,
    operation: row.operation,
    model: row.requestedModel,
    target: row.provider === null ? null : `${row.provider}:${row.upstreamModel ?? '?'}`,
    group: row.groupName,
    attempts: row.attempts,
    status: row.statusCode,
    error: row.errorCode,
    inputTokens: row.inputTokens,
    outputTokens: row.outputTokens,
    cacheReadTokens: row.cacheReadTokens,
    costUsd: row.costUsd,
    latencyMs: row.latencyMs,
    timeToFirstByteMs: row.timeToFirstByteMs,
    cached: row.cached,
    fallback: row.fallback,
  };
}

/**
 * One line for a person at a terminal:
 *
 *   07:29:39.512 01M95449Q9QB6ZHZ0BC8ER4CPY laptop (alice) openai-chat haiku → anthropic:claude-haiku-4-5 200
 *     in 12 out 9 (cache read 0) $0.000057 412 ms (first byte 380 ms)
 *
 * (on one line). Names a caller chose (model, requester, key) are stripped of control characters, so a
 * crafted model name cannot move the cursor or recolour the operator's terminal.
 */
export function formatRequestLogLine(fields: RequestLogFields): string {
  const parts: string[] = [fields.startedAt.slice(11, 23), fields.requestId];
  const who = [fields.key ?? 'no key', fields.user ?? fields.requester].filter((part) => part !== null);
  parts.push(who.length > 1 ? `${printable(who[0]!)} (${printable(who[1]!)})` : printable(who[0]!));
  parts.push(fields.operation === 'chat' ? fields.shape : `${fields.shape} ${fields.operation}`);
  let route = `${printable(fields.model ?? '?')} → ${printable(fields.target ?? '-')}`;
  const routing: string[] = [];
  if (fields.group !== null) routing.push(`group ${printable(fields.group)}`);
  if (fields.attempts > 1) routing.push(`${fields.attempts} attempts`);
  if (routing.length > 0) route += ` [${routing.join(', ')}]`;
  parts.push(route);
  // Run labels are plain by construction (domain/run-label.ts); printable() anyway, as for every name.
  if (fields.run !== null) parts.push(`run ${printable(fields.run)}${fields.trial === null ? '' : ` trial ${printable(fields.trial)}`}`);
  else if (fields.trial !== null) parts.push(`trial ${printable(fields.trial)}`);
  parts.push(fields.error === null ? String(fields.status) : `${fields.status} ${fields.error}`);
  parts.push(`in ${fields.inputTokens} out ${fields.outputTokens}${fields.cacheReadTokens > 0 ? ` (cache read ${fields.cacheReadTokens})` : ''}`);
  parts.push(fields.costUsd === null ? '$?' : `$${fields.costUsd.toFixed(6)}`);
  parts.push(`${milliseconds(fields.latencyMs)}${fields.timeToFirstByteMs === null ? '' : ` (first byte ${milliseconds(fields.timeToFirstByteMs)})`}`);
  if (fields.cached) parts.push('CACHED');
  if (fields.fallback) parts.push('FALLBACK');
  return parts.join('  ');
}

function milliseconds(value: number): string {
  return value < 10 ? `${value.toFixed(1)} ms` : `${Math.round(value)} ms`;
}

/** Control characters (C0, DEL, C1) become `?`: terminals act on them. */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?');
}
