import { describe, expect, it } from 'vitest';
import { RollupDimsCache } from '../../src/store/rollup-dims-cache.js';

describe('RollupDimsCache', () => {
  it('knows only what it was told after a commit', () => {
    const cache = new RollupDimsCache();
    expect(cache.idOf('["key_a"]')).toBeUndefined();
    cache.learn(new Map([['["key_a"]', 7]]));
    expect(cache.idOf('["key_a"]')).toBe(7);
    expect(cache.idOf('["key_b"]')).toBeUndefined();
  });

  it('starts over past its limit instead of growing without bound, and refills from what it learns next', () => {
    const cache = new RollupDimsCache(3);
    cache.learn(new Map([['a', 1], ['b', 2]]));
    cache.learn(new Map([['c', 3], ['d', 4]]));
    expect([cache.idOf('a'), cache.idOf('b')]).toEqual([undefined, undefined]);
    expect([cache.idOf('c'), cache.idOf('d')]).toEqual([3, 4]);
  });
});
