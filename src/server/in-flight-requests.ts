import type { ServerResponse } from 'node:http';

/**
 * Counts the request exchanges the server still owes work on, for a clean stop. An exchange is held from
 * its first hook until its response has closed *and* its handler has settled: a model call queues its usage
 * row in the handler's `finally`, after the response went out, and the usage writer must not be closed
 * before that row exists.
 */
export class InFlightRequests {
  #held = 0;
  readonly #responses = new Set<ServerResponse>();
  readonly #changeListeners = new Set<() => void>();

  get count(): number {
    return this.#held;
  }

  /** Holds one unit until the returned release is called; releasing twice releases once. */
  hold(): () => void {
    this.#held++;
    this.#notify();
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#held--;
      this.#notify();
    };
  }

  /** Holds the exchange until its response closes ('close' fires on a finished answer and on a lost socket). */
  trackResponse(response: ServerResponse): void {
    const release = this.hold();
    this.#responses.add(response);
    response.once('close', () => {
      this.#responses.delete(response);
      release();
    });
  }

  /** Responses not yet closed, so a stop can ask them to close their connection afterwards. */
  openResponses(): Iterable<ServerResponse> {
    return this.#responses;
  }

  /**
   * Resolves once every response open now has closed (later ones are not waited for): after a config reload,
   * when no request still uses the services it replaced.
   */
  whenOpenResponsesClose(): Promise<void> {
    const open = [...this.#responses];
    return Promise.all(open.map((response) => new Promise<void>((resolve) => response.once('close', () => resolve())))).then(() => undefined);
  }

  /** Resolves once nothing is held. */
  whenIdle(signal: AbortSignal): Promise<void> {
    return this.#waitFor(() => this.#held === 0, 0, signal);
  }

  /**
   * Resolves once nothing has been held for `quietMs` in a row, counted from the call at the earliest: a
   * connection that just finished an answer gets that long for a request its client already sent.
   */
  whenQuietFor(quietMs: number, signal: AbortSignal): Promise<void> {
    return this.#waitFor(() => this.#held === 0, quietMs, signal);
  }

  /** Resolves when `condition` has held for `forMs` without a change in between; never rejects. */
  #waitFor(condition: () => boolean, forMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const finish = () => {
        clearTimeout(timer);
        this.#changeListeners.delete(check);
        signal.removeEventListener('abort', finish);
        resolve();
      };
      const check = () => {
        clearTimeout(timer);
        timer = undefined;
        if (!condition()) return;
        if (forMs === 0) finish();
        else timer = setTimeout(finish, forMs);
      };
      if (signal.aborted) return resolve();
      signal.addEventListener('abort', finish, { once: true });
      this.#changeListeners.add(check);
      check();
    });
  }

  #notify(): void {
    for (const listener of [...this.#changeListeners]) listener();
  }
}
