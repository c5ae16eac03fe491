import type { CachedAnswer, ResponseCache } from './response-cache.js';

/**
 * The embedded cache: a bounded map in insertion order, so the oldest entry goes first when it is full
 * (a hit re-inserts its entry, which makes this least-recently-used).
 */
export class MemoryResponseCache implements ResponseCache {
  readonly #entries = new Map<string, { answer: CachedAnswer; expiresAt: number }>();
  readonly #maximumEntries: number;
  readonly #now: () => number;

  constructor(maximumEntries: number, now: () => number = Date.now) {
    this.#maximumEntries = maximumEntries;
    this.#now = now;
  }

  async get(key: string): Promise<CachedAnswer | undefined> {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    this.#entries.delete(key);
    if (entry.expiresAt <= this.#now()) return undefined;
    this.#entries.set(key, entry);
    return entry.answer;
  }

  async set(key: string, answer: CachedAnswer, ttlMs: number): Promise<void> {
    this.#entries.delete(key);
    this.#entries.set(key, { answer, expiresAt: this.#now() + ttlMs });
    while (this.#entries.size > this.#maximumEntries) {
      const oldest = this.#entries.keys().next().value;
      if (oldest === undefined) break;
      this.#entries.delete(oldest);
    }
  }
}
