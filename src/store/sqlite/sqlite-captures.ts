import type Database from 'better-sqlite3';
import type { CaptureFilter } from '../../domain/captured-exchange.js';
import { captureColumns, captureFilterConditions, captureValues, sealedCaptureOf, whereClause } from '../capture-filter-sql.js';
import type { CaptureStore, SealedCapture } from '../store.js';
import { guarded } from './sqlite-database.js';

/** Captured exchanges in the SQLite file (`captures`): sealed text and the columns filters read, nothing else. */
export class SqliteCaptures implements CaptureStore {
  readonly #insert: Database.Statement;
  readonly #find: Database.Statement;

  constructor(private readonly database: Database.Database) {
    this.#insert = database.prepare(`INSERT INTO captures (${captureColumns}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (request_id) DO NOTHING`);
    this.#find = database.prepare('SELECT * FROM captures WHERE request_id = ?');
  }

  async recordCaptures(captures: readonly SealedCapture[]): Promise<void> {
    if (captures.length === 0) return;
    guarded(() =>
      this.database
        .transaction(() => {
          for (const capture of captures) this.#insert.run(...captureValues(capture));
        })
        .immediate(),
    );
  }

  async findCapture(requestId: string): Promise<SealedCapture | undefined> {
    return guarded(() => {
      const row = this.#find.get(requestId) as Record<string, unknown> | undefined;
      return row === undefined ? undefined : sealedCaptureOf(row);
    });
  }

  async listCaptures(filter: CaptureFilter, options: { after?: { createdAt: number; requestId: string }; limit: number }): Promise<SealedCapture[]> {
    return guarded(() => {
      const values: unknown[] = [];
      const bind = (value: unknown) => {
        values.push(value);
        return '?';
      };
      const conditions = captureFilterConditions(filter, bind, hasTag);
      if (options.after !== undefined) {
        const { createdAt, requestId } = options.after;
        conditions.push(`(created_at > ${bind(createdAt)} OR (created_at = ${bind(createdAt)} AND request_id > ${bind(requestId)}))`);
      }
      const rows = this.database
        .prepare(`SELECT * FROM captures ${whereClause(conditions)} ORDER BY created_at, request_id LIMIT ${bind(options.limit)}`)
        .all(...values) as Array<Record<string, unknown>>;
      return rows.map(sealedCaptureOf);
    });
  }

  async purgeCaptures(filter: CaptureFilter, limit: number): Promise<number> {
    return guarded(() => {
      const values: unknown[] = [];
      const bind = (value: unknown) => {
        values.push(value);
        return '?';
      };
      const conditions = captureFilterConditions(filter, bind, hasTag);
      const chosen = `SELECT request_id FROM captures ${whereClause(conditions)} ORDER BY created_at, request_id LIMIT ${bind(limit)}`;
      return this.database.prepare(`DELETE FROM captures WHERE request_id IN (${chosen})`).run(...values).changes;
    });
  }

  async pruneExpiredCaptures(now: number, limit: number): Promise<number> {
    return guarded(
      () =>
        this.database
          .prepare('DELETE FROM captures WHERE request_id IN (SELECT request_id FROM captures WHERE expires_at <= ? ORDER BY expires_at LIMIT ?)')
          .run(now, limit).changes,
    );
  }
}

function hasTag(placeholder: string): string {
  return `EXISTS (SELECT 1 FROM json_each(captures.tags) WHERE value = ${placeholder})`;
}
