import { describe, expect, it, vi } from 'vitest';
import { createLogger } from '../../src/server/logger.js';
import { Pricer } from '../../src/usage/pricing.js';
import type { UsageRow } from '../../src/domain/usage-row.js';
import { UsageWriter } from '../../src/usage/usage-writer.js';
import type { UsageSink } from '../../src/usage/worker-usage-sink.js';
import { testUsageRow } from '../helpers/usage-rows.js';

const usage = { inputTokens: 1_000_000, outputTokens: 100_000, cacheReadTokens: 200_000, cacheWriteTokens: 0, reasoningTokens: 0 };

describe('pricing', () => {
  it('prices known models from the catalogue and returns null for unknown ones', () => {
    const pricer = new Pricer({});
    const price = pricer.price({ provider: 'openai', pricingProviderId: 'openai', model: 'gpt-4o-mini', usage });
    expect(price).toBeGreaterThan(0);
    expect(pricer.price({ provider: 'vllm', pricingProviderId: undefined, model: 'my-own-finetune-xyz', usage })).toBeNull();
  });

  it('lets config overrides win, with cache reads at their own rate', () => {
    const pricer = new Pricer({ 'vllm:llama': { inputPerMillion: 1, outputPerMillion: 10, cacheReadPerMillion: 0.5 } });
    // 800k uncached × $1 + 200k cached × $0.5 + 100k output × $10 = 0.8 + 0.1 + 1.0
    expect(pricer.price({ provider: 'vllm', pricingProviderId: undefined, model: 'llama', usage })).toBeCloseTo(1.9, 9);
  });
});

function row(index: number): UsageRow {
  return testUsageRow(`row-${index}`);
}

describe('usage writer', () => {
  it('writes in batches and flushes everything on close even after a store failure', async () => {
    const written: UsageRow[][] = [];
    let failNext = true;
    const sink: UsageSink = {
      async recordUsage(rows) {
        if (failNext) {
          failNext = false;
          throw new Error('database is locked');
        }
        written.push([...rows]);
      },
    };
    const writer = new UsageWriter({
      sink,
      flushIntervalMs: 60_000,
      batchSize: 3,
      logger: createLogger('silent'),
    });
    for (let index = 0; index < 7; index++) writer.enqueue(row(index));
    await writer.close();
    expect(written.map((batch) => batch.length)).toEqual([3, 3, 1]);
    expect(written.flat().map((item) => item.id)).toEqual(Array.from({ length: 7 }, (_, index) => `row-${index}`));
    expect(writer.queuedRows).toBe(0);
  });

  it('leaves rows that arrive during a write for the next full batch or tick, but flush() takes them all', async () => {
    const written: number[] = [];
    let releaseWrite: () => void = () => undefined;
    const sink: UsageSink = {
      async recordUsage(rows) {
        written.push(rows.length);
        await new Promise<void>((resolve) => {
          releaseWrite = resolve;
        });
      },
    };
    // The writer's timers run on fake time: "until the next tick" is then a minute the test can skip through.
    vi.useFakeTimers();
    try {
      const writer = new UsageWriter({ sink, flushIntervalMs: 60_000, batchSize: 4, logger: createLogger('silent') });
      for (let index = 0; index < 4; index++) writer.enqueue(row(index));
      await vi.advanceTimersByTimeAsync(0);
      expect(written).toEqual([4]);
      // Two rows arrive while the first batch is being written: not worth a hand-off of their own.
      writer.enqueue(row(4));
      writer.enqueue(row(5));
      releaseWrite();
      await vi.advanceTimersByTimeAsync(59_999);
      expect(written).toEqual([4]);
      expect(writer.queuedRows).toBe(2);
      const flushed = writer.flush();
      await vi.advanceTimersByTimeAsync(0);
      releaseWrite();
      await flushed;
      expect(written).toEqual([4, 2]);
      expect(writer.queuedRows).toBe(0);
      // And the tick writes what a later write leaves behind, without a flush.
      writer.enqueue(row(6));
      await vi.advanceTimersByTimeAsync(60_000);
      expect(written).toEqual([4, 2, 1]);
      releaseWrite();
      await writer.close();
    } finally {
      vi.useRealTimers();
    }
  });
});
