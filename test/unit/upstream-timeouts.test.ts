import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load-config.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import { attemptResultOf } from '../../src/metrics/label-values.js';
import { buildProviderRegistry } from '../../src/providers/provider-registry.js';
import { buildRouteGroups } from '../../src/routing/build-route-groups.js';
import { resolveRoute } from '../../src/routing/resolve-route.js';
import { cappedTimeouts } from '../../src/upstream/capped-timeouts.js';
import { classifyUpstreamFailure } from '../../src/upstream/upstream-client.js';
import { resolveTimeouts, upstreamTimeoutSettings } from '../../src/upstream/upstream-timeouts.js';

/** Targets' clocks as the registry and the router resolve them from the config, at start. */
function targetsOf(document: Record<string, unknown>) {
  const config = parseConfig(document, {});
  const registry = buildProviderRegistry({ config, env: { OPENAI_API_KEY: 'o', ANTHROPIC_API_KEY: 'a' }, providersWithStoredKeys: new Set() });
  const aliases = new Map<string, string>();
  const groups = buildRouteGroups({ groups: config.groups, registry, aliases, switchedOffProviders: registry.switchedOffNames(), logger: { warn: () => {} } });
  const plain = (model: string) => resolveRoute(model, { registry, aliases, groups }).candidates[0]!.timeouts;
  return { registry, groups, plain };
}

describe('resolving the clocks', () => {
  it('defaults: a stream gets 30 s to its first byte, 60 s of silence and no total; a whole answer ten minutes', () => {
    const { plain } = targetsOf({});
    expect(plain('openai:gpt-4o')).toEqual({
      stream: { firstByteMs: 30_000, idleMs: 60_000, totalMs: undefined },
      whole: { firstByteMs: undefined, idleMs: undefined, totalMs: 600_000 },
      settings: { firstByteMs: 30_000, idleMs: 60_000, totalMs: undefined },
    });
  });

  it('upstream.timeoutMs is the older name of firstByteMs; timeouts.firstByteMs wins over it', () => {
    expect(targetsOf({ upstream: { timeoutMs: 5_000 } }).plain('openai:gpt-4o').stream).toEqual({ firstByteMs: 5_000, idleMs: 60_000, totalMs: undefined });
    expect(targetsOf({ upstream: { timeoutMs: 5_000, timeouts: { firstByteMs: 7_000 } } }).plain('openai:gpt-4o').stream.firstByteMs).toBe(7_000);
    // It bounded the silences inside a stream too: a longer one still does.
    expect(upstreamTimeoutSettings({ timeoutMs: 300_000 })).toEqual({ firstByteMs: 300_000, idleMs: 300_000, totalMs: undefined });
    // It never bounded a whole answer's wait by itself any more.
    expect(targetsOf({ upstream: { timeoutMs: 5_000 } }).plain('openai:gpt-4o').whole.totalMs).toBe(600_000);
  });

  it('layers target over provider over upstream, clock by clock', () => {
    const { plain, groups } = targetsOf({
      upstream: { timeouts: { idleMs: 45_000, totalMs: 900_000 } },
      providers: { anthropic: { timeouts: { firstByteMs: 90_000 } } },
      groups: {
        slow: { targets: [{ model: 'anthropic:claude-opus-4-1', timeouts: { totalMs: 1_200_000 } }, { model: 'openai:gpt-4o' }] },
      },
    });
    expect(plain('anthropic:claude-opus-4-1').stream).toEqual({ firstByteMs: 90_000, idleMs: 45_000, totalMs: 900_000 });
    expect(plain('openai:gpt-4o').stream).toEqual({ firstByteMs: 30_000, idleMs: 45_000, totalMs: 900_000 });
    const [opus, gpt] = groups.get('slow')!.targets;
    expect(opus!.timeouts.stream).toEqual({ firstByteMs: 90_000, idleMs: 45_000, totalMs: 1_200_000 });
    expect(opus!.timeouts.whole).toEqual({ firstByteMs: undefined, idleMs: undefined, totalMs: 1_200_000 });
    // A target without clocks of its own shares its provider's, resolved once.
    expect(gpt!.timeouts).toBe(plain('openai:gpt-4o'));
  });

  it('refuses an unknown clock and a clock that is not a positive whole number, naming the field', () => {
    expect(() => parseConfig({ providers: { openai: { timeouts: { headersMs: 5 } } } }, {})).toThrow(/providers\.openai\.timeouts\.headersMs/);
    expect(() => parseConfig({ upstream: { timeouts: { idleMs: 0 } } }, {})).toThrow(/upstream\.timeouts\.idleMs/);
    expect(() => parseConfig({ groups: { g: { targets: [{ model: 'openai:gpt-4o', timeouts: { totalMs: -1 } }] } } }, {})).toThrow(/groups\.g\.targets\.0\.timeouts\.totalMs/);
  });

  it('does not retry timeouts on the same target unless the group says so', () => {
    const config = parseConfig({ groups: { a: { targets: [{ model: 'openai:gpt-4o' }] }, b: { targets: [{ model: 'openai:gpt-4o' }], retry: { timeouts: true } } } }, {});
    expect(config.groups.a!.retry.timeouts).toBe(false);
    expect(config.groups.b!.retry).toEqual({ attempts: 2, maxRetryAfterMs: 5_000, timeouts: true });
  });
});

describe('a ceiling on the clocks', () => {
  const stream = resolveTimeouts({ firstByteMs: 30_000, idleMs: 60_000 }).stream;
  const whole = resolveTimeouts({ firstByteMs: 30_000, idleMs: 60_000 }).whole;

  it('lowers each clock to the ceiling, never raises one', () => {
    expect(cappedTimeouts(stream, { firstByteMs: 5_000, idleMs: 90_000 })).toEqual({ firstByteMs: 5_000, idleMs: 60_000, totalMs: undefined });
  });

  it("bounds a stream that had no total, and does not start a whole answer's first-byte or idle clock", () => {
    expect(cappedTimeouts(stream, { totalMs: 120_000 }).totalMs).toBe(120_000);
    expect(cappedTimeouts(whole, { firstByteMs: 5_000, idleMs: 5_000, totalMs: 120_000 })).toEqual({ firstByteMs: undefined, idleMs: undefined, totalMs: 120_000 });
    expect(cappedTimeouts(whole, { totalMs: 6_000_000 }).totalMs).toBe(600_000);
  });
});

describe('naming the clock that ran out', () => {
  const { stream } = resolveTimeouts({ firstByteMs: 30_000, idleMs: 60_000 });

  it.each([
    ['UND_ERR_HEADERS_TIMEOUT', "The upstream provider 'openai' sent no first byte within 30000 ms (timeouts.firstByteMs).", 'upstream_timeout.first_byte'],
    ['UND_ERR_BODY_TIMEOUT', "The upstream provider 'openai' stream was idle for 60000 ms (timeouts.idleMs).", 'upstream_timeout.idle'],
  ])('%s: a 504 upstream_timeout whose message and reason name the clock', (code, message, reason) => {
    const error = classifyUpstreamFailure(Object.assign(new Error('timeout'), { code }), 'openai', 'stream', stream);
    expect(error).toMatchObject({ code: 'upstream_timeout', status: 504, message, reason });
  });

  it('counts every clock as a timeout in the metrics and the health report', () => {
    for (const errorCode of ['upstream_timeout.first_byte', 'upstream_timeout.idle', 'upstream_timeout.total']) {
      const attempt = { target: 'openai:gpt-4o', provider: 'openai', model: 'gpt-4o', statusCode: null, errorCode, retryAfterMs: null, timeToFirstByteMs: null, durationMs: 1 };
      expect(attemptResultOf(attempt)).toBe('timeout');
    }
  });

  it('a connect timeout is still a plain upstream_timeout; a gateway error (the total clock) passes as it is', () => {
    const connect = classifyUpstreamFailure(Object.assign(new Error('connect'), { code: 'UND_ERR_CONNECT_TIMEOUT' }), 'openai', 'request', stream);
    expect(connect).toMatchObject({ code: 'upstream_timeout', reason: undefined });
    const total = new GatewayError('upstream_timeout', 'total', { reason: 'upstream_timeout.total' });
    expect(classifyUpstreamFailure(total, 'openai', 'request', stream)).toBe(total);
  });
});
