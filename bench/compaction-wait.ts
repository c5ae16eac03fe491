import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { Logger } from '../src/domain/logger.js';
import type { UsageRow } from '../src/domain/usage-row.js';
import { WorkerUsageSink } from '../src/usage/worker-usage-sink.js';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

export interface CompactionWait {
  mode: 'in the writer thread' | 'in the batch';
  compactionMs: number;
  batches: number;
  /**
   * Batches the store refused (locked past its 5 s busy timeout: the gateway's writer would keep them and
   * try again); their wait counts too.
   */
  refused: number;
  p99Ms: number;
  maxMs: number;
}

/**
 * How long the usage writer's batches wait while a day is compacted: a day of rows (`rowsPerDay`, made by
 * `rowAt`) is written, then the writer thread (`WorkerUsageSink`, as in the gateway) is sent one-row batches
 * every 2 ms while either its own compaction passes (the gateway's: a step, an hour, at a time between
 * batches) or, as before them, a store compacting in the batch that passes the hour (in another thread)
 * compact those 24 hours and the day. Each mode on a file of its own in `directory`.
 */
export async function measureCompactionWait(directory: string, rowsPerDay: number, rowAt: (index: number, createdAt: number) => UsageRow): Promise<CompactionWait[]> {
  const results: CompactionWait[] = [];
  for (const mode of ['in the writer thread', 'in the batch'] as const) {
    const path = join(directory, `compaction-wait-${mode === 'in the writer thread' ? 'writer' : 'batch'}.db`);
    const now = Date.now();
    const yesterday = now - (now % dayMs) - dayMs;
    const loader = new SqliteStore(path, { compactWithBatches: false });
    for (let from = 0; from < rowsPerDay; from += 500) {
      const count = Math.min(500, rowsPerDay - from);
      await loader.recordUsage(Array.from({ length: count }, (_unused, offset) => rowAt(from + offset, yesterday + Math.floor(((from + offset) * dayMs) / rowsPerDay))));
    }
    await loader.close();
    const thisHour = now - (now % hourMs);
    const passes = passReports();
    const data = { store: { kind: 'sqlite' as const, path }, queryTimeoutMs: 30_000, pricing: {}, pricingProviderIds: [], pricingEpoch: 0 };
    // The thread's first pass starts with it: the sender starts at once, and the pass's own report says how long it took.
    const sink = mode === 'in the writer thread' ? new WorkerUsageSink(data, { compaction: { intervalMs: 3_600_000, logger: passes.logger } }) : new WorkerUsageSink(data);
    let sending = true;
    const waits: number[] = [];
    let refused = 0;
    const sender = (async () => {
      for (let index = rowsPerDay + 1; sending; index++) {
        const before = performance.now();
        // A batch that waited past the busy timeout is refused: what the bench measures, not a failure of it.
        await sink.recordUsage([rowAt(index, thisHour + (index % 1000))]).catch(() => refused++);
        waits.push(performance.now() - before);
        await new Promise((resolve) => setTimeout(resolve, 2));
      }
    })();
    let compactionMs: number;
    if (mode === 'in the writer thread') {
      compactionMs = await passes.compacted;
    } else {
      await new Promise((resolve) => setTimeout(resolve, 200));
      const started = performance.now();
      await runInThread(path, rowAt(rowsPerDay + 1_000_000, thisHour + 1));
      compactionMs = performance.now() - started;
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
    sending = false;
    await sender;
    await sink.stopCompaction();
    await sink.close();
    waits.sort((left, right) => left - right);
    results.push({ mode, compactionMs, batches: waits.length, refused, p99Ms: waits[Math.floor(waits.length * 0.99)]!, maxMs: waits.at(-1)! });
  }
  return results;
}

/** A logger for the writer thread's compaction that resolves `compacted` with its first pass's time. */
function passReports(): { logger: Logger; compacted: Promise<number> } {
  let resolve: (ms: number) => void = () => undefined;
  let reject: (error: Error) => void = () => undefined;
  const compacted = new Promise<number>((resolveWith, rejectWith) => {
    resolve = resolveWith;
    reject = rejectWith;
  });
  const ignore = () => undefined;
  const logger: Logger = {
    debug: (fields: unknown) => resolve((fields as { ms: number }).ms),
    info: ignore,
    warn: (fields: unknown) => reject(new Error(`compaction failed: ${JSON.stringify(fields)}`)),
    error: (fields: unknown) => reject(new Error(`the writer thread failed: ${JSON.stringify(fields)}`)),
  };
  return { logger, compacted };
}

/** Writes, in a thread of its own, the row that makes a store compacting with its batches compact the day. */
async function runInThread(path: string, trigger: UsageRow): Promise<void> {
  const storeModule = new URL('../src/store/sqlite/sqlite-store.js', import.meta.url).href;
  const code = `
    const { workerData } = await import('node:worker_threads');
    const { SqliteStore } = await import(${JSON.stringify(storeModule)});
    const store = new SqliteStore(workerData.path, { compactWithBatches: true });
    await store.recordUsage([workerData.trigger]);
    await store.close();`;
  const worker = new Worker(`(async () => {${code}})().catch((error) => { console.error(error); process.exit(1); })`, { eval: true, workerData: { path, trigger } });
  const exitCode = await new Promise<number>((resolve) => worker.on('exit', resolve));
  if (exitCode !== 0) throw new Error(`compaction thread exited with ${exitCode}`);
}
