import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { UsageRow } from '../src/domain/usage-row.js';
import { WorkerUsageSink } from '../src/usage/worker-usage-sink.js';

const hourMs = 3_600_000;
const dayMs = 24 * hourMs;

export interface CompactionWait {
  mode: 'apart' | 'in the batch';
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
 * `rowAt`) is written, then the writer thread (`WorkerUsageSink`, as in the gateway) sends one-row batches
 * every 2 ms while, in another thread, either the rollup compactor's `compactRollups` (worked out outside
 * the write lock, written under it) or, as before it, a store compacting in the batch that passes the hour
 * compacts those 24 hours and the day. Each mode on a file of its own in `directory`.
 */
export async function measureCompactionWait(directory: string, rowsPerDay: number, rowAt: (index: number, createdAt: number) => UsageRow): Promise<CompactionWait[]> {
  const results: CompactionWait[] = [];
  for (const mode of ['apart', 'in the batch'] as const) {
    const path = join(directory, `compaction-wait-${mode === 'apart' ? 'apart' : 'batch'}.db`);
    const now = Date.now();
    const yesterday = now - (now % dayMs) - dayMs;
    const loader = new SqliteStore(path, { compactWithBatches: false });
    for (let from = 0; from < rowsPerDay; from += 500) {
      const count = Math.min(500, rowsPerDay - from);
      await loader.recordUsage(Array.from({ length: count }, (_unused, offset) => rowAt(from + offset, yesterday + Math.floor(((from + offset) * dayMs) / rowsPerDay))));
    }
    await loader.close();
    const thisHour = now - (now % hourMs);
    const sink = new WorkerUsageSink({ store: { kind: 'sqlite', path }, queryTimeoutMs: 30_000, pricing: {}, pricingProviderIds: [], pricingEpoch: 0 });
    await sink.recordUsage([rowAt(rowsPerDay, thisHour)]);
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
    await new Promise((resolve) => setTimeout(resolve, 200));
    const started = performance.now();
    await runInThread(path, mode === 'apart' ? { compact: true } : { trigger: rowAt(rowsPerDay + 1_000_000, thisHour + 1) });
    const compactionMs = performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 200));
    sending = false;
    await sender;
    await sink.close();
    waits.sort((left, right) => left - right);
    results.push({ mode, compactionMs, batches: waits.length, refused, p99Ms: waits[Math.floor(waits.length * 0.99)]!, maxMs: waits.at(-1)! });
  }
  return results;
}

/** Compacts in a thread of its own, as the gateway's compactor does, or writes the row that makes a batch compact. */
async function runInThread(path: string, work: { compact: true } | { trigger: UsageRow }): Promise<void> {
  const storeModule = new URL('../src/store/sqlite/sqlite-store.js', import.meta.url).href;
  const code = `
    const { workerData } = await import('node:worker_threads');
    const { SqliteStore } = await import(${JSON.stringify(storeModule)});
    const store = new SqliteStore(workerData.path, { compactWithBatches: !workerData.work.compact });
    if (workerData.work.compact) await store.compactRollups(); else await store.recordUsage([workerData.work.trigger]);
    await store.close();`;
  const worker = new Worker(`(async () => {${code}})().catch((error) => { console.error(error); process.exit(1); })`, { eval: true, workerData: { path, work } });
  const exitCode = await new Promise<number>((resolve) => worker.on('exit', resolve));
  if (exitCode !== 0) throw new Error(`compaction thread exited with ${exitCode}`);
}
