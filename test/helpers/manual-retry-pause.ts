import type { ClientAbort } from '../../src/server/proxy/client-abort.js';

/**
 * The gateway's wait before a retry (`startGateway({ retryPause })`), driven by the test: it records every
 * delay asked for and, by default, ends at once, so no test sleeps through a `retry-after`. After `hold()`
 * the next waits last until `release()` or until the caller leaves, like the real pause.
 */
export class ManualRetryPause {
  /** Every delay the gateway asked to wait, in milliseconds, oldest first. */
  readonly asked: number[] = [];
  #holding = false;
  readonly #held: Array<() => void> = [];

  hold(): void {
    this.#holding = true;
  }

  /** Ends every wait in progress and stops holding. */
  release(): void {
    this.#holding = false;
    for (const resolve of this.#held.splice(0)) resolve();
  }

  /** Bound, so it can be handed over as the gateway's `retryPause`. */
  readonly pause = (milliseconds: number, signal: ClientAbort): Promise<void> => {
    this.asked.push(milliseconds);
    if (signal.aborted) return Promise.reject(signal.reason);
    if (!this.#holding) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const onAbort = () => reject(signal.reason);
      signal.once('abort', onAbort);
      this.#held.push(() => {
        signal.off('abort', onAbort);
        resolve();
      });
    });
  };
}
