import type { Logger } from '../../domain/logger.js';

/** At most one line per group this often: a dead policy service must not flood the log at request rate. */
const quietMs = 10_000;

/**
 * The log line of a script or policy service that failed and was replaced by config order. The first
 * failure is logged at once; later ones within `quietMs` are counted and reported with the next line.
 */
export class PolicyFallbackLog {
  readonly #logger: Pick<Logger, 'warn'>;
  readonly #now: () => number;
  #lastLoggedAt = Number.NEGATIVE_INFINITY;
  #unlogged = 0;

  constructor(logger: Pick<Logger, 'warn'>, now: () => number = Date.now) {
    this.#logger = logger;
    this.#now = now;
  }

  fellBack(group: string, policy: string, why: string, error?: unknown): void {
    const now = this.#now();
    if (now - this.#lastLoggedAt < quietMs) {
      this.#unlogged++;
      return;
    }
    const since = this.#unlogged;
    this.#lastLoggedAt = now;
    this.#unlogged = 0;
    this.#logger.warn(
      { group, policy, err: error, fallbacksNotLogged: since },
      `routing policy of group '${group}' failed (${why}); the configured order is used`,
    );
  }
}
