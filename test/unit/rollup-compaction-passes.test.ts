import { describe, expect, it } from 'vitest';
import { RollupCompactionPasses, type RollupCompactionReport } from '../../src/store/rollups/rollup-compaction-passes.js';

const hour = 3_600_000;

/** A store with `due` hours to compact: each call moves the mark by at most `maxSteps` of them. */
function storeWithDueHours(due: number) {
  const calls: Array<number | undefined> = [];
  let mark = 0;
  return {
    calls,
    store: {
      async rollupsCompactedUntil() {
        return mark;
      },
      async compactRollups(options: { maxSteps?: number } = {}) {
        calls.push(options.maxSteps);
        const steps = Math.min(due, options.maxSteps ?? Infinity);
        due -= steps;
        mark += steps * hour;
        return mark;
      },
    },
  };
}

describe('rollup compaction passes', () => {
  it('take a pass a step at a time, letting other work in between, and report it once', async () => {
    const { store, calls } = storeWithDueHours(3);
    const reports: RollupCompactionReport[] = [];
    let turns = 0;
    const passes = new RollupCompactionPasses({ store: async () => store, intervalMs: 60_000, report: (report) => reports.push(report), betweenSteps: async () => turns++ });
    passes.start();
    await expect.poll(() => reports.length).toBe(1);
    await passes.stop();
    // Three steps, then a call that finds nothing due; a turn for other work after each step.
    expect(calls).toEqual([1, 1, 1, 1]);
    expect(turns).toBe(3);
    expect(reports).toEqual([{ kind: 'compacted', from: 0, to: 3 * hour, ms: expect.any(Number) }]);
  });

  it('start no step once stopped, and the stop waits for the step under way', async () => {
    const { store, calls } = storeWithDueHours(10);
    const reports: RollupCompactionReport[] = [];
    let stopping: Promise<void> | undefined;
    let stepEnded = false;
    const passes = new RollupCompactionPasses({
      store: async () => ({
        rollupsCompactedUntil: () => store.rollupsCompactedUntil(),
        async compactRollups(options) {
          // The second step: the gateway stops while it runs.
          if (calls.length === 1) stopping = passes.stop();
          const mark = await store.compactRollups(options);
          stepEnded = calls.length === 2;
          return mark;
        },
      }),
      intervalMs: 60_000,
      report: (report) => reports.push(report),
      betweenSteps: async () => undefined,
    });
    passes.start();
    // The pass ends at the stop, after the step under way.
    await expect.poll(() => reports.length).toBe(1);
    await stopping;
    expect(stepEnded).toBe(true);
    expect(calls).toEqual([1, 1]);
    expect(reports).toEqual([{ kind: 'compacted', from: 0, to: 2 * hour, ms: expect.any(Number) }]);
  });

  it('report a pass that failed; the next one tries again', async () => {
    const reports: RollupCompactionReport[] = [];
    const passes = new RollupCompactionPasses({
      store: () => Promise.reject(new Error('connection refused')),
      intervalMs: 60_000,
      report: (report) => reports.push(report),
    });
    passes.start();
    await passes.stop();
    expect(reports).toEqual([{ kind: 'failed', message: 'connection refused' }]);
  });
});
