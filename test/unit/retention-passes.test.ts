import { afterEach, describe, expect, it, vi } from 'vitest';
import { deleteInBatches, RetentionPasses } from '../../src/support/retention-passes.js';

afterEach(() => vi.useRealTimers());

describe('RetentionPasses', () => {
  it('runs a pass after the first delay, then every interval, never two at once, and stop waits for the one running', async () => {
    vi.useFakeTimers();
    let started = 0;
    let finishPass: (() => void) | undefined;
    const passes = new RetentionPasses(() => {
      started++;
      return new Promise<void>((resolve) => (finishPass = resolve));
    });
    passes.start(1_000, 50);
    await vi.advanceTimersByTimeAsync(49);
    expect(started).toBe(0);
    await vi.advanceTimersByTimeAsync(1);
    expect(started).toBe(1);
    // The first pass is still running at the next tick of the interval: no second one starts beside it.
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toBe(1);
    finishPass!();
    await vi.advanceTimersByTimeAsync(1_000);
    expect(started).toBe(2);
    let stopped = false;
    const stopping = passes.stop().then(() => (stopped = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(passes.stopped).toBe(true);
    expect(stopped).toBe(false);
    finishPass!();
    await stopping;
    await vi.advanceTimersByTimeAsync(5_000);
    expect(started).toBe(2);
  });
});

describe('deleteInBatches', () => {
  it('deletes until a batch comes back short, and stops between batches once the passes stop', async () => {
    const passes = new RetentionPasses(async () => {});
    const asked: number[] = [];
    const counts = [3, 3, 1];
    expect(await deleteInBatches(async (limit) => (asked.push(limit), counts.shift()!), { batchSize: 3, pauseMs: 0 }, passes)).toBe(7);
    expect(asked).toEqual([3, 3, 3]);

    let batches = 0;
    const deleting = deleteInBatches(
      async (limit) => {
        batches++;
        if (batches === 2) await passes.stop();
        return limit;
      },
      { batchSize: 2, pauseMs: 0 },
      passes,
    );
    expect(await deleting).toBe(4);
    expect(batches).toBe(2);
  });
});
