import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, rm, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../domain/logger.js';
import type { UsageRow } from '../domain/usage-row.js';

export interface UsageSpoolOptions {
  /** `<dataDir>/usage-spool`. */
  directory: string;
  /** Disk the spool may use; rows past it are dropped, counted and logged. */
  maxBytes: number;
  logger: Logger;
}

/** Past this a file is closed and a new one begun, so a replay stores and deletes the spool in steps. */
const maximumFileBytes = 8 * 1024 * 1024;

/** `usage-<pid>-<run>-<sequence>.jsonl`: the process and run that own the file. */
const fileNamePattern = /^usage-(\d+)-([0-9a-f]+)-(\d+)\.jsonl$/;

interface SpoolFile {
  path: string;
  bytes: number;
  rows: number;
}

/**
 * Usage rows that could not reach the store and did not fit in memory, kept on local disk as JSON lines
 * until the store is back. Appends are asynchronous and serialized (one chain of writes, never sync I/O).
 *
 * A process appends only to its own current file. `replay` stores sealed files oldest first and deletes a
 * file only once every row in it is stored, so a crash mid-replay leaves the file for the next start; the
 * rows stored twice that way are ignored by the store (inserts are idempotent on the row id). Files left by
 * a process that is no longer running (an earlier run, or an instance sharing the data directory that
 * died) are claimed by renaming them to this run's name, which only one claimant can win.
 */
export class UsageSpool {
  readonly #options: UsageSpoolOptions;
  readonly #run = randomBytes(6).toString('hex');
  #sequence = 0;
  #current: (SpoolFile & { handle: FileHandle }) | undefined;
  /** Closed files waiting to be stored, oldest first. */
  readonly #sealed: SpoolFile[] = [];
  /** Every append, seal and close runs after the previous one; this promise never rejects. */
  #chain: Promise<void> = Promise.resolve();
  #bytes = 0;
  #rows = 0;
  #dropped = 0;
  #full = false;

  private constructor(options: UsageSpoolOptions) {
    this.#options = options;
  }

  /** Takes over the files earlier runs left, so they are replayed. The directory is made on first use. */
  static async open(options: UsageSpoolOptions): Promise<UsageSpool> {
    const spool = new UsageSpool(options);
    await spool.#claimOrphans();
    return spool;
  }

  /** Rows on disk waiting for the store. */
  get spooledRows(): number {
    return this.#rows;
  }

  /** Rows lost because the spool was full or its disk refused a write. */
  get droppedRows(): number {
    return this.#dropped;
  }

  /** Queues rows for the disk; the promise settles once they are written (it never rejects). */
  append(rows: readonly UsageRow[]): Promise<void> {
    if (rows.length === 0) return this.#chain;
    const text = `${rows.map((row) => JSON.stringify(row)).join('\n')}\n`;
    const bytes = Buffer.byteLength(text);
    if (this.#bytes + bytes > this.#options.maxBytes) {
      this.#dropped += rows.length;
      if (!this.#full) this.#options.logger.error({ rows: rows.length, maxBytes: this.#options.maxBytes }, 'the usage spool is full: usage rows are being dropped until the store takes them');
      this.#full = true;
      return this.#chain;
    }
    this.#bytes += bytes;
    this.#rows += rows.length;
    return this.#enqueue(() => this.#write(text, bytes, rows.length));
  }

  /**
   * Hands every spooled row to `deliver`, `batchSize` at a time, oldest file first, deleting each file once
   * all its rows are delivered. The file being appended to is sealed and replayed too, once the older ones
   * are done (later rows start a new file). Stops early when `shouldStop` says so; a failed delivery
   * rejects and leaves the file in place. Resolves with the number of rows delivered.
   */
  async replay(deliver: (rows: UsageRow[]) => Promise<void>, batchSize: number, shouldStop: () => boolean): Promise<number> {
    await this.#claimOrphans();
    let delivered = 0;
    let sealedCurrent = false;
    while (!shouldStop()) {
      const file = this.#sealed[0];
      if (!file) {
        // Sealing at most once per replay: a store that keeps failing does not split the spool into one file per attempt.
        if (sealedCurrent) break;
        sealedCurrent = true;
        await this.#enqueue(() => this.#sealCurrent());
        continue;
      }
      const outcome = await this.#replayFile(file, deliver, batchSize, shouldStop);
      delivered += outcome.delivered;
      if (!outcome.complete) break;
      this.#sealed.shift();
      // A file that cannot be deleted is replayed again at the next start, which the store shrugs off.
      await rm(file.path, { force: true }).catch((error: unknown) => this.#options.logger.error({ err: error, file: file.path }, 'deleting a replayed usage spool file failed'));
      this.#bytes -= file.bytes;
      this.#rows -= file.rows;
      this.#full = false;
    }
    return delivered;
  }

  /** Waits for pending appends and closes the current file; what is on disk is replayed on the next start. */
  close(): Promise<void> {
    return this.#enqueue(() => this.#sealCurrent());
  }

  #enqueue(step: () => Promise<void>): Promise<void> {
    this.#chain = this.#chain.then(step);
    return this.#chain;
  }

  async #write(text: string, bytes: number, rows: number): Promise<void> {
    try {
      if (this.#current && this.#current.bytes + bytes > maximumFileBytes) await this.#sealCurrent();
      this.#current ??= await this.#openNext();
      await this.#current.handle.appendFile(text);
      this.#current.bytes += bytes;
      this.#current.rows += rows;
    } catch (error) {
      this.#bytes -= bytes;
      this.#rows -= rows;
      this.#dropped += rows;
      this.#options.logger.error({ err: error, rows }, 'usage rows lost: the spool file could not be written');
      // A write that failed halfway may have left part of a line: later rows go to a fresh file.
      await this.#sealCurrent();
    }
  }

  async #openNext(): Promise<SpoolFile & { handle: FileHandle }> {
    await mkdir(this.#options.directory, { recursive: true, mode: 0o700 });
    const path = join(this.#options.directory, this.#nextFileName());
    return { path, handle: await open(path, 'a', 0o600), bytes: 0, rows: 0 };
  }

  #nextFileName(): string {
    return `usage-${process.pid}-${this.#run}-${String(this.#sequence++).padStart(6, '0')}.jsonl`;
  }

  /** Never throws: it runs inside the append chain. */
  async #sealCurrent(): Promise<void> {
    const current = this.#current;
    if (!current) return;
    this.#current = undefined;
    try {
      await current.handle.sync();
      await current.handle.close();
    } catch (error) {
      this.#options.logger.error({ err: error, file: current.path }, 'closing a usage spool file failed');
    }
    if (current.rows > 0) this.#sealed.push({ path: current.path, bytes: current.bytes, rows: current.rows });
    else await rm(current.path, { force: true }).catch(() => undefined);
  }

  async #claimOrphans(): Promise<void> {
    let names: string[];
    try {
      names = (await readdir(this.#options.directory)).sort();
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return; // nothing was ever spooled here
      throw error;
    }
    for (const name of names) {
      const match = fileNamePattern.exec(name);
      if (!match || match[2] === this.#run) continue;
      const pid = Number(match[1]);
      // Same pid, other run: an earlier run of this process id (a container restarted). Otherwise the owner must be gone.
      if (pid !== process.pid && isRunning(pid)) continue;
      const path = join(this.#options.directory, this.#nextFileName());
      try {
        await rename(join(this.#options.directory, name), path);
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code === 'ENOENT') continue; // another instance claimed it first
        throw error;
      }
      const text = await readFile(path);
      const rows = countLines(text);
      this.#sealed.push({ path, bytes: text.length, rows });
      this.#bytes += text.length;
      this.#rows += rows;
    }
  }

  async #replayFile(
    file: SpoolFile,
    deliver: (rows: UsageRow[]) => Promise<void>,
    batchSize: number,
    shouldStop: () => boolean,
  ): Promise<{ delivered: number; complete: boolean }> {
    const text = await readFile(file.path, 'utf8');
    let batch: UsageRow[] = [];
    let delivered = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      const row = parseRow(line);
      if (!row) {
        this.#options.logger.warn({ file: file.path }, 'skipping a usage row cut short in the spool (its process stopped mid-write)');
        continue;
      }
      batch.push(row);
      if (batch.length < batchSize) continue;
      await deliver(batch);
      delivered += batch.length;
      batch = [];
      if (shouldStop()) return { delivered, complete: false };
    }
    if (batch.length > 0) await deliver(batch);
    return { delivered: delivered + batch.length, complete: true };
  }
}

function parseRow(line: string): UsageRow | undefined {
  try {
    const value = JSON.parse(line) as unknown;
    if (typeof value !== 'object' || value === null || typeof (value as { id?: unknown }).id !== 'string') return undefined;
    return { ...fieldsAddedLater, ...(value as UsageRow) };
  } catch {
    return undefined;
  }
}

/**
 * A spool written by an earlier version (the gateway upgraded while PostgreSQL was away) lacks the fields
 * added since; the store would refuse such a row as invalid and the writer drop it. They get the values of
 * a call that was not routed through a group.
 */
const fieldsAddedLater = {
  groupName: null,
  policy: null,
  attempts: 0,
  fallback: false,
  queueWaitMs: null,
  attemptTrail: [],
  operation: 'chat',
  // Issue 20 §4: no images counted, no billed cost known.
  imageCount: 0,
  imageTokens: 0,
  billedCostUsd: null,
  // Issue 22 §1: not part of an evaluation run.
  runId: null,
  trialId: null,
} as const satisfies Partial<UsageRow>;

function countLines(text: Buffer): number {
  let lines = 0;
  for (let index = text.indexOf(10); index !== -1; index = text.indexOf(10, index + 1)) lines++;
  return lines;
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists but belongs to another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
