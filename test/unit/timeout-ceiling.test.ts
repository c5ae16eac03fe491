import { describe, expect, it } from 'vitest';
import { describeLimits, limitsFromFlags } from '../../src/cli/limit-options.js';
import { parseConfig } from '../../src/config/load-config.js';
import type { LimitSubject } from '../../src/domain/limit-subject.js';
import { effectiveLimits } from '../../src/policy/effective-limits.js';
import { timeoutCeilingOf } from '../../src/policy/timeout-ceiling.js';

const subject = (scope: LimitSubject['scope'], timeouts?: LimitSubject['limits']['timeouts']): LimitSubject => ({
  scope,
  id: scope,
  limits: timeouts === undefined ? {} : { timeouts },
});

describe("a key's, user's and team's ceiling on the upstream clocks", () => {
  it('is none when no subject sets one', () => {
    expect(timeoutCeilingOf([subject('key'), subject('user'), subject('team')])).toBeUndefined();
  });

  it('is the shortest each clock any subject sets', () => {
    expect(timeoutCeilingOf([subject('key', { totalMs: 120_000 }), subject('user'), subject('team', { totalMs: 60_000, firstByteMs: 10_000 })])).toEqual({
      firstByteMs: 10_000,
      idleMs: undefined,
      totalMs: 60_000,
    });
  });

  it('inherits the configured default clock by clock, and 0 takes the ceiling off', () => {
    const defaults = { timeouts: { firstByteMs: 20_000, totalMs: 300_000 } };
    expect(effectiveLimits({ timeouts: { totalMs: 0, idleMs: 30_000 } }, defaults).timeouts).toEqual({ firstByteMs: 20_000, idleMs: 30_000, totalMs: undefined });
    expect(effectiveLimits({ timeouts: { firstByteMs: 0, totalMs: 0 } }, defaults).timeouts).toBeUndefined();
    expect(effectiveLimits({ requestsPerMinute: 5 }, {})).toEqual({ requestsPerMinute: 5 });
  });

  it('may have a default in the config, refused when it names an unknown clock', () => {
    expect(parseConfig({ limits: { defaults: { team: { timeouts: { totalMs: 300_000 } } } } }, {}).limits.defaults.team).toEqual({ timeouts: { totalMs: 300_000 } });
    expect(() => parseConfig({ limits: { defaults: { key: { timeouts: { bodyMs: 1 } } } } }, {})).toThrow(/limits\.defaults\.key\.timeouts\.bodyMs/);
  });

  it('is set with the CLI flags, each one kept when not given again', () => {
    const first = limitsFromFlags({ timeoutTotalMs: '120000', timeoutFirstByteMs: '10000' });
    expect(first).toEqual({ timeouts: { totalMs: 120_000, firstByteMs: 10_000 } });
    expect(limitsFromFlags({ timeoutIdleMs: '0' }, first)).toEqual({ timeouts: { totalMs: 120_000, firstByteMs: 10_000, idleMs: 0 } });
    expect(() => limitsFromFlags({ timeoutTotalMs: '2m' })).toThrow(/--timeout-total-ms/);
    expect(describeLimits({ timeouts: { firstByteMs: 10_000, idleMs: 0, totalMs: 120_000 } })).toBe('first byte ≤ 10000 ms, no idle ceiling, total ≤ 120000 ms');
  });
});
