import { describe, expect, it } from 'vitest';
import { compact, count, milliseconds, percent, tokens, topShare, usd } from '../../dashboard/src/format.js';

describe('dashboard number formats', () => {
  it('writes dollars with cents, and small costs with two significant digits', () => {
    expect(usd(12.4231)).toBe('$12.42');
    expect(usd(1234.5)).toBe('$1,234.50');
    expect(usd(0.00036)).toBe('$0.00036');
    expect(usd(0)).toBe('$0.00');
    expect(usd(null)).toBe('—');
  });

  it('writes token counts compactly', () => {
    expect(tokens(1_234_567)).toBe('1.2M tokens');
    expect(compact(950)).toBe('950');
    expect(compact(12_300)).toBe('12.3k');
    expect(compact(123_456)).toBe('123k');
    expect(compact(2_000_000_000)).toBe('2B');
    expect(count(1234567)).toBe('1,234,567');
  });

  it('writes rates and durations', () => {
    expect(percent(0.083)).toBe('8.3%');
    expect(percent(0.62)).toBe('62%');
    expect(percent(null)).toBe('—');
    expect(milliseconds(120.4)).toBe('120 ms');
    expect(milliseconds(12_500)).toBe('12.5 s');
  });

  it('writes a top share rounded down, never as 50% or less when it is over half', () => {
    expect(topShare(1)).toBe('100%');
    expect(topShare(0.8)).toBe('80%');
    expect(topShare(1.015625 / 2.015625)).toBe('50.3%');
    expect(topShare(0.5009)).toBe('just over 50%');
    expect(topShare(0.5011)).toBe('50.1%');
    expect(topShare(0.5996)).toBe('59.9%');
  });
});
