import { setTimeout as sleep } from 'node:timers/promises';

/**
 * What usage retention and capture retention share: deleting in small batches with a pause between them (a
 * writer waiting on the database never waits long), and a pass shortly after start then on an interval,
 * one at a time, that never keeps the process alive and that a stop waits for.
 */
export interface BatchedDeletionOptions {
  /** Rows deleted per statement. */
  batchSize: number;
  /** Pause between two statements of a pass. */
  pauseMs: number;
}

/** Deletes batch after batch until one comes back short, or the passes stop; resolves with how many went. */
export async function deleteInBatches(deleteBatch: (limit: number) => Promise<number>, options: BatchedDeletionOptions, passes: RetentionPasses): Promise<number> {
  let total = 0;
  for (;;) {
    if (passes.stopped) return total;
    const count = await deleteBatch(options.batchSize);
    total += count;
    if (count < options.batchSize) return total;
    await sleep(options.pauseMs);
  }
}

/** Runs `pass` shortly after `start`, then every interval: never two at once, never keeping the process alive. */
export class RetentionPasses {
  readonly #pass: () => Promise<void>;
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #stopped = false;

  /** `pass` handles (logs) its own failures: the next pass retries. */
  constructor(pass: () => Promise<void>) {
    this.#pass = pass;
  }

  /** Once stopped, a pass in progress ends after its current statement. */
  get stopped(): boolean {
    return this.#stopped;
  }

  start(intervalMs: number, firstDelayMs: number): void {
    const run = () => {
      this.#running ??= this.#pass().finally(() => {
        this.#running = undefined;
      });
    };
    const first = setTimeout(() => {
      run();
      this.#timer = setInterval(run, intervalMs);
      this.#timer.unref();
    }, firstDelayMs);
    first.unref();
    this.#timer = first;
  }

  /** Stops the interval and waits for a pass in progress to end its current statement. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearTimeout(this.#timer);
    clearInterval(this.#timer);
    await this.#running;
  }
}
