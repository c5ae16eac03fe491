import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { UsageRow } from './usage-row.js';
import type { UsageWorkerData, UsageWorkerReply } from './usage-write-worker.js';

/** Where a batch of usage rows goes: a store, or a worker thread that prices and stores them. */
export interface UsageSink {
  recordUsage(rows: readonly UsageRow[]): Promise<void>;
}

/**
 * Sends batches to `usage-write-worker` and resolves when the worker has written them. The worker's own
 * SQLite connection writes while the request loop keeps serving (WAL mode allows one writer beside readers).
 */
export class WorkerUsageSink implements UsageSink {
  readonly #worker: Worker;
  readonly #pending = new Map<number, { resolve: () => void; reject: (error: Error) => void }>();
  #nextId = 0;

  constructor(data: UsageWorkerData) {
    this.#worker = new Worker(workerScript(), { workerData: data });
    this.#worker.on('message', (reply: UsageWorkerReply) => {
      const waiting = this.#pending.get(reply.id);
      this.#pending.delete(reply.id);
      if (reply.ok) waiting?.resolve();
      else waiting?.reject(new Error(`usage write failed: ${reply.message}`));
    });
    this.#worker.on('error', (error) => this.#failAll(error));
    this.#worker.on('exit', (code) => this.#failAll(new Error(`usage worker exited with code ${code}`)));
  }

  recordUsage(rows: readonly UsageRow[]): Promise<void> {
    const id = this.#nextId++;
    return new Promise((resolve, reject) => {
      this.#pending.set(id, { resolve, reject });
      this.#worker.postMessage({ id, rows });
    });
  }

  async close(): Promise<void> {
    await this.#worker.terminate();
  }

  #failAll(error: Error): void {
    for (const waiting of this.#pending.values()) waiting.reject(error);
    this.#pending.clear();
  }
}

/**
 * The compiled worker beside this module. When this module runs from TypeScript source (the test runner
 * transpiles in memory, but a worker thread is plain Node), the build output is used instead; `npm test`
 * builds first.
 */
function workerScript(): URL {
  const sibling = new URL('./usage-write-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(sibling))) return sibling;
  const built = new URL('../../dist/src/usage/usage-write-worker.js', import.meta.url);
  if (existsSync(fileURLToPath(built))) return built;
  throw new Error('usage-write-worker.js not found: run `npm run build` first');
}
