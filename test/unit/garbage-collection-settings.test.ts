import { describe, expect, it } from 'vitest';
import { applyGarbageCollectionSettings, coresAvailable } from '../../src/support/garbage-collection-settings.js';

describe('cores available to the gateway process', () => {
  it('is the affinity when no cgroup quota is set', () => {
    expect(coresAvailable(1, undefined)).toBe(1);
    expect(coresAvailable(8, 'max 100000\n')).toBe(8);
  });

  it('is a cgroup v2 quota rounded up when it is below the affinity (a one-CPU container on a bigger host)', () => {
    expect(coresAvailable(16, '100000 100000\n')).toBe(1);
    expect(coresAvailable(16, '50000 100000\n')).toBe(1);
    expect(coresAvailable(16, '150000 100000\n')).toBe(2);
    expect(coresAvailable(2, '400000 100000\n')).toBe(2);
  });

  it('ignores a quota it cannot read', () => {
    expect(coresAvailable(4, 'garbage')).toBe(4);
    expect(coresAvailable(4, '')).toBe(4);
  });
});

describe('the gateway garbage collection settings', () => {
  it('turns concurrent marking off on one core', () => {
    const set: string[] = [];
    expect(applyGarbageCollectionSettings({ cores: 1, execArgv: [], setFlags: (flags) => set.push(flags) })).toEqual({ concurrentMarking: false });
    expect(set).toEqual(['--no-concurrent-marking']);
  });

  it('leaves V8 alone with two cores or more', () => {
    const set: string[] = [];
    expect(applyGarbageCollectionSettings({ cores: 2, execArgv: [], setFlags: (flags) => set.push(flags) })).toEqual({ concurrentMarking: true });
    expect(set).toEqual([]);
  });

  it('leaves the choice to an operator who gave node a marking flag', () => {
    const set: string[] = [];
    expect(applyGarbageCollectionSettings({ cores: 1, execArgv: ['--concurrent-marking'], setFlags: (flags) => set.push(flags) })).toEqual({ concurrentMarking: true });
    expect(applyGarbageCollectionSettings({ cores: 1, execArgv: ['--single-threaded-gc'], setFlags: (flags) => set.push(flags) })).toEqual({ concurrentMarking: false });
    expect(applyGarbageCollectionSettings({ cores: 8, execArgv: ['--no-concurrent-marking'], setFlags: (flags) => set.push(flags) })).toEqual({ concurrentMarking: false });
    expect(set).toEqual([]);
  });
});
