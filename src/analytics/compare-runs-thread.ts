import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { GatewayError } from '../errors/gateway-error.js';
import { builtWorkerScript } from '../support/built-worker-script.js';
import type { CompareReport } from './compare-report.js';
import type { CompareWorkerData, CompareWorkerReply, CompareWorkerRequest } from './compare-runs-worker.js';

/** Builds compare reports for `GET /analytics/compare`; the gateway's is a `CompareRunsThread`. */
export interface RunComparer {
  /**
   * The report of `runs` (parsed, the first the baseline). `signal`: the caller went away; a compare still
   * waiting its turn is dropped (a compare under way runs to its end: stopping the thread would cost more).
   */
  compare(runs: readonly string[], signal?: AbortSignal): Promise<CompareReport>;
}

export interface CompareRunsThreadOptions extends CompareWorkerData {
  /** Compares that may wait while one is built; past them a compare is refused (503 `compare_busy`). */
  maximumWaiting?: number;
  /** How long `close` waits for a compare under way before it ends the thread. */
  stopTimeoutMs?: number;
  /** The thread's script: `compare-runs-worker.js` as built, unless a test gives a stand-in. */
  workerScript?: URL;
}

/** Compares waiting their turn unless told: a few operators comparing at once wait, a script looping is refused. */
export const defaultMaximumWaitingCompares = 4;

/** What a refused compare's `retry-after` says: about what one compare at the bound takes. */
const busyRetryAfterSeconds = '2';

interface Job {
  runs: string[];
  signal: AbortSignal | undefined;
  resolve(report: CompareReport): void;
  reject(error: Error): void;
  /** Takes the job out of the queue when its caller goes away while it waits. */
  dropOnAbort: (() => void) | undefined;
}

/**
 * One worker thread (`compare-runs-worker.ts`) that builds every compare report, one at a time, with its own
 * store connection: at the 200,000-call bound a compare reads for ~2 s and resamples for ~1 s, which on the
 * event loop stalled every request behind it. The thread starts on the first compare and is kept for the
 * next ones; one that dies fails the compare it held (500) and the next compare starts a new one. Compares
 * that arrive while one is built wait in order of arrival, at most `maximumWaiting` of them: each holds
 * only its promise, while each running one holds the thread's memory for its rows, so they run one at a
 * time rather than side by side.
 */
export class CompareRunsThread implements RunComparer {
  readonly #data: CompareWorkerData;
  readonly #maximumWaiting: number;
  readonly #stopTimeoutMs: number;
  readonly #workerScript: URL | undefined;
  readonly #waiting: Job[] = [];
  #running: { id: number; job: Job; worker: Worker } | undefined;
  #worker: Worker | undefined;
  #nextId = 0;
  #closed = false;

  constructor(options: CompareRunsThreadOptions) {
    this.#data = { store: options.store, queryTimeoutMs: options.queryTimeoutMs };
    this.#maximumWaiting = options.maximumWaiting ?? defaultMaximumWaitingCompares;
    this.#stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.#workerScript = options.workerScript;
  }

  compare(runs: readonly string[], signal?: AbortSignal): Promise<CompareReport> {
    if (this.#closed) return Promise.reject(new GatewayError('shutting_down', 'The gateway is stopping; the compare was not built.'));
    if (signal?.aborted) return Promise.reject(callerGone());
    if (this.#running && this.#waiting.length >= this.#maximumWaiting) {
      return Promise.reject(
        new GatewayError('compare_busy', `A compare is being built and ${this.#waiting.length} more wait; try again shortly.`, { headers: { 'retry-after': busyRetryAfterSeconds } }),
      );
    }
    return new Promise<CompareReport>((resolve, reject) => {
      const job: Job = { runs: [...runs], signal, resolve, reject, dropOnAbort: undefined };
      if (signal) {
        job.dropOnAbort = () => {
          const index = this.#waiting.indexOf(job);
          if (index === -1) return;
          this.#waiting.splice(index, 1);
          reject(callerGone());
        };
        signal.addEventListener('abort', job.dropOnAbort, { once: true });
      }
      this.#waiting.push(job);
      this.#startNext();
    });
  }

  /**
   * Refuses new compares and those still waiting, lets the one under way end (the gateway closes this after
   * its connections drained, so normally none is), then ends the thread after it closed its connection.
   */
  async close(): Promise<void> {
    this.#closed = true;
    for (const job of this.#waiting.splice(0)) {
      job.signal?.removeEventListener('abort', job.dropOnAbort!);
      job.reject(new GatewayError('shutting_down', 'The gateway is stopping; the compare was not built.'));
    }
    const worker = this.#worker;
    if (!worker) return;
    const exited = once(worker, 'exit');
    worker.postMessage({ kind: 'stop' } satisfies CompareWorkerRequest);
    const timeout = setTimeout(() => void worker.terminate(), this.#stopTimeoutMs);
    await exited;
    clearTimeout(timeout);
  }

  #startNext(): void {
    if (this.#running || this.#closed) return;
    const job = this.#waiting.shift();
    if (!job) return;
    job.signal?.removeEventListener('abort', job.dropOnAbort!);
    const id = this.#nextId++;
    const worker = (this.#worker ??= this.#spawn());
    this.#running = { id, job, worker };
    worker.postMessage({ kind: 'compare', id, runs: job.runs } satisfies CompareWorkerRequest);
  }

  /** Ends the running job one way or the other, then starts the next. */
  #finishRunning(id: number, settle: (job: Job) => void): void {
    const running = this.#running;
    if (!running || running.id !== id) return;
    this.#running = undefined;
    settle(running.job);
    this.#startNext();
  }

  #spawn(): Worker {
    const worker = new Worker(this.#workerScript ?? builtWorkerScript('analytics/compare-runs-worker.js'), { workerData: this.#data });
    // Nothing in the thread must outlive the process: a gateway embedded without close() still exits.
    worker.unref();
    worker.on('message', (reply: CompareWorkerReply) =>
      this.#finishRunning(reply.id, (job) => {
        if (reply.ok) job.resolve(reply.report);
        else if ('refusal' in reply) job.reject(new GatewayError(reply.refusal.code, reply.refusal.message, { param: reply.refusal.param, headers: reply.refusal.headers }));
        else job.reject(new Error(`compare failed: ${reply.failure}`));
      }),
    );
    // 'error' is followed by 'exit': the first fails the compare this thread held, if any; a compare
    // already sent to the next thread is not this one's.
    const lost = (error: Error) => {
      if (this.#worker === worker) this.#worker = undefined;
      const running = this.#running;
      if (running?.worker === worker) this.#finishRunning(running.id, (job) => job.reject(this.#closed ? new GatewayError('shutting_down', 'The gateway stopped before the compare was built.') : error));
    };
    worker.on('error', (error) => lost(new Error(`the compare thread failed: ${error.message}`)));
    worker.on('exit', (code) => lost(new Error(`the compare thread exited with code ${code}`)));
    return worker;
  }
}

function callerGone(): GatewayError {
  return new GatewayError('client_closed_request', 'The caller went away before the compare was built.');
}
