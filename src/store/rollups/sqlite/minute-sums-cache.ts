import type Database from 'better-sqlite3';
import { rollupTables } from '../rollup-columns.js';
import { bucketOfPackKey, firstPackKey, packKeyBits } from './bucket-sums-key.js';

/** A minute's packs, parsed: how many were read and the number of the last (packs of a bucket are numbered from 0). */
interface CachedMinute {
  packs: number;
  lastPack: number;
  entries: Array<readonly unknown[]>;
}

const packs = rollupTables.minute.packs;
const packNumber = `(key & ${2 ** packKeyBits - 1})`;

/**
 * The minute packs the analytics reports read, parsed once. Every report's window ends in minutes (the
 * hour in progress, an unaligned edge), and a report runs several queries (groups, quotas per period):
 * at the writer's usual batch of a row or two, an hour is thousands of packs, and reading and parsing them
 * again for each query was most of a 30-day report's time. Packs are only ever appended to a bucket, with
 * the next number (bucket-sums-key.ts), and deleted oldest first: so a minute is known to be unchanged
 * when its count and last pack number are, to have grown by newer packs only when its count grew by as many
 * as its last number did (only those are read), and is read again whole otherwise. Holds at most
 * `limit` entries; the oldest minutes go first.
 */
export class MinuteSumsCache {
  readonly #minutes = new Map<number, CachedMinute>();
  readonly #lastPacks: Database.Statement;
  readonly #packsAfter: Database.Statement;
  #entries = 0;

  constructor(
    database: Database.Database,
    private readonly limit = 200_000,
  ) {
    this.#lastPacks = database
      .prepare(`SELECT ${bucketOfPackKey('key')} AS bucket, COUNT(*) AS packs, MAX(${packNumber}) AS last FROM ${packs} WHERE key >= ${firstPackKey('?')} AND key < ${firstPackKey('?')} GROUP BY 1`)
      .raw();
    // Bounds computed in SQL: a key is past 2^53, more than a JS number holds exactly.
    this.#packsAfter = database.prepare(`SELECT ${packNumber}, sums FROM ${packs} WHERE key > ${firstPackKey('@bucket')} + CAST(@after AS INTEGER) AND key < ${firstPackKey('@bucket + 1')} ORDER BY key`).raw();
  }

  /** Each minute of `[from, to)` that has packs, with all their entries. */
  *minutes(from: number, to: number): Generator<[bucketStart: number, entries: ReadonlyArray<readonly unknown[]>]> {
    for (const [bucket, count, last] of this.#lastPacks.all(from, to) as Array<[number, number, number]>) {
      let minute = this.#minutes.get(bucket);
      if (!minute || count - minute.packs !== last - minute.lastPack) {
        // Not cached, or some of its packs were deleted since: read it whole.
        if (minute) this.#forget(bucket, minute);
        minute = { packs: 0, lastPack: -1, entries: [] };
        this.#minutes.set(bucket, minute);
      }
      if (minute.lastPack < last) {
        for (const [number, sums] of this.#packsAfter.all({ bucket, after: minute.lastPack }) as Array<[number, string]>) {
          const entries = JSON.parse(sums) as unknown[][];
          for (const entry of entries) minute.entries.push(entry);
          this.#entries += entries.length;
          minute.packs += 1;
          minute.lastPack = number;
        }
      }
      yield [bucket, minute.entries];
    }
    this.#evict();
  }

  #forget(bucket: number, minute: CachedMinute): void {
    this.#minutes.delete(bucket);
    this.#entries -= minute.entries.length;
  }

  /** Drops the oldest minutes while more than `limit` entries are held. */
  #evict(): void {
    if (this.#entries <= this.limit) return;
    for (const bucket of [...this.#minutes.keys()].sort((left, right) => left - right)) {
      this.#forget(bucket, this.#minutes.get(bucket)!);
      if (this.#entries <= this.limit) return;
    }
  }
}
