import { describe, expect, it } from 'vitest';
import { applyGatewayMemorySettings, heapGrowingPercent, rollupCompactorThreadLimits, usageWriterThreadLimits } from '../../src/support/memory-settings.js';

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

  it('caps both worker threads below what V8 gives a thread by default and above what a batch or a pass needs', () => {
    for (const limits of [usageWriterThreadLimits, rollupCompactorThreadLimits]) {
      expect(limits.maxYoungGenerationSizeMb).toBeGreaterThanOrEqual(6);
      expect(limits.maxOldGenerationSizeMb).toBeGreaterThanOrEqual(96);
    }
  });
});
