import { describe, expect, it } from 'vitest';
import {
  applyGatewayMemorySettings,
  defaultSemiSpaceGrowthFactor,
  heapGrowingPercent,
  holdYoungGenerationGrowth,
  releaseYoungGenerationGrowth,
  usageWriterThreadLimits,
  youngGenerationCapMb,
} from '../../src/support/memory-settings.js';

const mebibyte = 1024 * 1024;

describe('the gateway memory settings', () => {
  it('sets V8 heap growing for the process', () => {
    const set: string[] = [];
    applyGatewayMemorySettings({ execArgv: [], nodeOptions: '', setFlags: (flags) => set.push(flags) });
    expect(set).toEqual([`--heap-growing-percent=${heapGrowingPercent}`]);
  });

  it('leaves heap growing to an operator who gave it to node, on the command line or in NODE_OPTIONS', () => {
    const set: string[] = [];
    applyGatewayMemorySettings({ execArgv: ['--heap-growing-percent=20'], nodeOptions: '', setFlags: (flags) => set.push(flags) });
    applyGatewayMemorySettings({ execArgv: [], nodeOptions: '--max-semi-space-size=4 --heap-growing-percent=80', setFlags: (flags) => set.push(flags) });
    expect(set).toEqual([]);
  });

  it('caps the writer thread below what V8 gives a thread by default and above what a batch or a compaction step needs', () => {
    expect(usageWriterThreadLimits.maxYoungGenerationSizeMb).toBeGreaterThanOrEqual(6);
    expect(usageWriterThreadLimits.maxYoungGenerationSizeMb).toBeLessThan(16);
    expect(usageWriterThreadLimits.maxOldGenerationSizeMb).toBeGreaterThanOrEqual(256);
  });

  it('holds the young generation at its starting size while the CLI loads, then lets it grow up to its cap', () => {
    const set: string[] = [];
    let newSpaceBytes = 4 * mebibyte;
    let check: (() => void) | undefined;
    const node = { execArgv: [], nodeOptions: '', setFlags: (flags: string) => set.push(flags) };
    holdYoungGenerationGrowth(node);
    releaseYoungGenerationGrowth({
      ...node,
      youngGeneration: {
        newSpaceBytes: () => newSpaceBytes,
        afterEachCollection(listener) {
          check = listener;
          return () => (check = undefined);
        },
      },
    });
    expect(set).toEqual(['--semi-space-growth-factor=1', `--semi-space-growth-factor=${defaultSemiSpaceGrowthFactor}`]);
    // Collections below the cap change nothing; the one that finds it reached holds the growth again, once.
    check?.();
    expect(set).toHaveLength(2);
    newSpaceBytes = youngGenerationCapMb * mebibyte;
    check?.();
    expect(set.at(-1)).toBe('--semi-space-growth-factor=1');
    expect(check).toBeUndefined();
  });

  it('keeps the growth held when the young generation is already at its cap', () => {
    const set: string[] = [];
    releaseYoungGenerationGrowth({
      execArgv: [],
      nodeOptions: '',
      setFlags: (flags) => set.push(flags),
      youngGeneration: { newSpaceBytes: () => youngGenerationCapMb * mebibyte, afterEachCollection: () => () => undefined },
    });
    expect(set).toEqual([]);
  });

  it('leaves the young generation to an operator who sized it', () => {
    const set: string[] = [];
    for (const given of [
      { execArgv: ['--max-semi-space-size=4'], nodeOptions: '' },
      { execArgv: [], nodeOptions: '--semi-space-growth-factor=3' },
    ]) {
      holdYoungGenerationGrowth({ ...given, setFlags: (flags) => set.push(flags) });
      releaseYoungGenerationGrowth({ ...given, setFlags: (flags) => set.push(flags) });
    }
    expect(set).toEqual([]);
  });
});
