import { describe, expect, it } from 'vitest';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { attemptFailureOf, classifyAttemptFailure, retryAfterOf, type AttemptFailure } from '../../src/routing/classify-attempt-failure.js';
import { retryDelayMs } from '../../src/routing/retry-delay.js';

const options = { maxRetryAfterMs: 5_000, credential: 'gateway' as const, now: () => Date.parse('2026-11-20T10:00:00Z') };
const classify = (failure: AttemptFailure, credential: 'gateway' | 'caller' = 'gateway') => classifyAttemptFailure(failure, { ...options, credential });

describe('classifying a failed attempt', () => {
  it.each([408, 409, 429, 500, 502, 503, 504, 529, 520])('%d: retry the same target, then fail over, and count a failure', (status) => {
    expect(classify({ kind: 'status', status })).toEqual({ retrySameTarget: true, failOver: true, coolDown: 'failure', retryAfterMs: undefined });
  });

  it.each(['connection', 'interrupted'] as const)('%s: retry the same target, then fail over', (kind) => {
    expect(classify({ kind })).toEqual({ retrySameTarget: true, failOver: true, coolDown: 'failure', retryAfterMs: undefined });
  });

  it('timeout: fail over at once, unless the policy retries timeouts', () => {
    expect(classify({ kind: 'timeout' })).toEqual({ retrySameTarget: false, failOver: true, coolDown: 'failure', retryAfterMs: undefined });
    expect(classifyAttemptFailure({ kind: 'timeout' }, { ...options, retryTimeouts: true })).toEqual({
      retrySameTarget: true,
      failOver: true,
      coolDown: 'failure',
      retryAfterMs: undefined,
    });
  });

  it.each([400, 404, 413, 422, 402, 418, 501])('%d: the request is wrong, not the target: no retry, no fallback, no cooldown', (status) => {
    expect(classify({ kind: 'status', status })).toEqual({ retrySameTarget: false, failOver: false, coolDown: undefined, retryAfterMs: undefined });
  });

  it.each([401, 403])('%d: with the gateway’s provider key, cool the target down and fail over; with the caller’s key, stop', (status) => {
    expect(classify({ kind: 'status', status }, 'gateway')).toEqual({ retrySameTarget: false, failOver: true, coolDown: 'bad-credential', retryAfterMs: undefined });
    expect(classify({ kind: 'status', status }, 'caller')).toEqual({ retrySameTarget: false, failOver: false, coolDown: undefined, retryAfterMs: undefined });
  });

  it('honours a retry-after up to maxRetryAfterMs, and fails over at once past it, cooling the target until then', () => {
    expect(classify({ kind: 'status', status: 429, headers: { 'retry-after': '1' } })).toEqual({ retrySameTarget: true, failOver: true, coolDown: 'retry-after', retryAfterMs: 1_000 });
    expect(classify({ kind: 'status', status: 429, headers: { 'retry-after': '5' } })).toMatchObject({ retrySameTarget: true, retryAfterMs: 5_000 });
    expect(classify({ kind: 'status', status: 429, headers: { 'retry-after': '6' } })).toEqual({ retrySameTarget: false, failOver: true, coolDown: 'retry-after', retryAfterMs: 6_000 });
    expect(classify({ kind: 'status', status: 503, headers: { 'retry-after-ms': '250' } })).toMatchObject({ retrySameTarget: true, coolDown: 'retry-after', retryAfterMs: 250 });
    expect(classify({ kind: 'status', status: 429, headers: { 'retry-after': '0' } })).toMatchObject({ retrySameTarget: true, coolDown: 'failure', retryAfterMs: 0 });
    // A retry-after on a status that is the request's fault changes nothing.
    expect(classify({ kind: 'status', status: 400, headers: { 'retry-after': '1' } })).toMatchObject({ retrySameTarget: false, failOver: false, coolDown: undefined });
  });
});

describe('reading retry-after', () => {
  const now = options.now;
  it.each([
    [{ 'retry-after-ms': '1500' }, 1_500],
    [{ 'retry-after-ms': '12.2' }, 13],
    [{ 'retry-after-ms': '800', 'retry-after': '30' }, 800],
    [{ 'retry-after': '7' }, 7_000],
    [{ 'retry-after': '0.5' }, 500],
    [{ 'retry-after': 'Fri, 20 Nov 2026 10:00:03 GMT' }, 3_000],
    [{ 'retry-after': 'Fri, 20 Nov 2026 09:00:00 GMT' }, 0],
    [{ 'retry-after': ['2', '9'] }, 2_000],
    [{ 'retry-after': 'soon' }, undefined],
    [{ 'retry-after-ms': '-5' }, undefined],
    [{}, undefined],
  ])('%j → %s ms', (headers, expected) => {
    expect(retryAfterOf(headers, now)).toBe(expected);
  });
});

describe('the failure of a thrown upstream error', () => {
  it('maps gateway errors and undici codes', () => {
    expect(attemptFailureOf(new GatewayError('upstream_timeout', 'x'))).toEqual({ kind: 'timeout' });
    expect(attemptFailureOf(new GatewayError('upstream_stream_interrupted', 'x'))).toEqual({ kind: 'interrupted' });
    expect(attemptFailureOf(new GatewayError('upstream_unreachable', 'x'))).toEqual({ kind: 'connection' });
    expect(attemptFailureOf(new GatewayError('upstream_error', 'x', { status: 429, headers: { 'retry-after': '2' } }))).toEqual({
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '2' },
    });
    expect(attemptFailureOf(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' }))).toEqual({ kind: 'timeout' });
    expect(attemptFailureOf(Object.assign(new Error('x'), { code: 'ECONNRESET' }))).toEqual({ kind: 'connection' });
  });
});

describe('waiting before a retry', () => {
  it('waits what the upstream asked, else backs off exponentially with jitter, capped at maxRetryAfterMs', () => {
    expect(retryDelayMs({ retryAfterMs: 1_200, retriesDone: 3, maxRetryAfterMs: 5_000, random: () => 0.9 })).toBe(1_200);
    expect(retryDelayMs({ retryAfterMs: undefined, retriesDone: 0, maxRetryAfterMs: 5_000, random: () => 0 })).toBe(500);
    expect(retryDelayMs({ retryAfterMs: undefined, retriesDone: 0, maxRetryAfterMs: 5_000, random: () => 1 })).toBe(375);
    expect(retryDelayMs({ retryAfterMs: undefined, retriesDone: 2, maxRetryAfterMs: 5_000, random: () => 0 })).toBe(2_000);
    expect(retryDelayMs({ retryAfterMs: undefined, retriesDone: 6, maxRetryAfterMs: 60_000, random: () => 0 })).toBe(8_000);
    expect(retryDelayMs({ retryAfterMs: undefined, retriesDone: 4, maxRetryAfterMs: 1_000, random: () => 0 })).toBe(1_000);
  });
});
