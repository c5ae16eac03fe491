/**
 * An in-memory view of stored data for the request path: loaded once at start, then reloaded on an
 * interval so changes made elsewhere (the CLI, another instance) arrive without a restart.
 */
export abstract class ReloadingView {
  #timer: NodeJS.Timeout | undefined;

  async start(reloadIntervalMs: number): Promise<void> {
    await this.reload();
    this.#timer = setInterval(() => void this.reload(), reloadIntervalMs);
    // A view never keeps the process alive on its own.
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  /** Must not throw: on failure keep serving the last good view and log. */
  abstract reload(): Promise<void>;
}
