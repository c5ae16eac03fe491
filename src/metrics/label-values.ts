import type { DialectName } from '../domain/dialect-name.js';
import { timeoutReasons } from '../upstream/upstream-timeout-error.js';
import type { AttemptRecord } from '../domain/attempt-record.js';

/**
 * The fixed label values of Sluice's metrics, and the functions that map a call's facts onto them. Every
 * value set here is closed: nothing a caller sends can add one.
 */

export const dialectNames = ['openai-chat', 'openai-responses', 'anthropic-messages', 'gemini'] as const satisfies readonly DialectName[];

export const statusClasses = ['1xx', '2xx', '3xx', '4xx', '5xx'] as const;
export type StatusClass = (typeof statusClasses)[number];

/** `0`…`4` for 1xx…5xx (499, the caller gone, is 4xx); anything out of range counts as 5xx. */
export function statusClassIndex(statusCode: number): number {
  const index = Math.floor(statusCode / 100) - 1;
  return index >= 0 && index <= 4 ? index : 4;
}

export const outcomes = ['ok', 'error', 'cancelled'] as const;

export const tokenTypes = ['input', 'output', 'cache_read', 'cache_write', 'reasoning'] as const;

/**
 * How one upstream attempt ended: `ok` (an answer with a status below 400 reached the caller), `error` (a
 * connection failure, an upstream error status, a stream cut before its first content), `timeout` (no
 * answer, or no first token, in time) or `cancelled` (the caller left while it ran: no verdict on the target).
 */
export const attemptResults = ['ok', 'error', 'timeout', 'cancelled'] as const;
export type AttemptResult = (typeof attemptResults)[number];

const timeoutCodes = new Set<string>(['upstream_timeout', 'time_to_first_token_exceeded', ...Object.values(timeoutReasons)]);

export function attemptResultOf(attempt: AttemptRecord): AttemptResult {
  if (attempt.errorCode !== null) return timeoutCodes.has(attempt.errorCode) ? 'timeout' : 'error';
  // The last attempt may relay the upstream's own error answer: it "served", but the target failed.
  if (attempt.statusCode !== null && attempt.statusCode >= 400) return 'error';
  return attempt.timeToFirstByteMs !== null ? 'ok' : 'cancelled';
}

/** `group`: a model group's own quota; `key_group`: a key's share of a group's budget (`groupBudgets`). */
export const limitScopes = ['key', 'user', 'team', 'group', 'key_group'] as const;
export const limitKinds = ['rpm', 'tpm', 'concurrency', 'budget'] as const;
export type LimitScope = (typeof limitScopes)[number];
export type LimitKind = (typeof limitKinds)[number];

/**
 * Admission's refusal reasons (`GatewayError.reason`, see policy/admission.ts) → `{scope, limit}`: a
 * table of the reasons it can give, so an unexpected one is not counted rather than mislabelled (a
 * `key_group` subject only has a budget, so its rate reasons never occur).
 */
const refusalLabels = new Map<string, { scope: LimitScope; limit: LimitKind }>(
  limitScopes.flatMap((scope): Array<[string, { scope: LimitScope; limit: LimitKind }]> => [
    [`rate_limited.${scope}.requests_per_minute`, { scope, limit: 'rpm' }],
    [`rate_limited.${scope}.tokens_per_minute`, { scope, limit: 'tpm' }],
    [`concurrency_limited.${scope}`, { scope, limit: 'concurrency' }],
    [`budget_exceeded.${scope}`, { scope, limit: 'budget' }],
  ]),
);

export function rateLimitLabelsOf(reason: string | undefined): { scope: LimitScope; limit: LimitKind } | undefined {
  return reason === undefined ? undefined : refusalLabels.get(reason);
}

/** A provider or model name outside the known set. */
export const otherLabel = 'other';
/** No provider or model: the call ended before one was resolved (a bad key, an unknown model). */
export const noneLabel = 'none';
