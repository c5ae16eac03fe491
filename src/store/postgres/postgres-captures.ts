import type { CaptureFilter } from '../../domain/captured-exchange.js';
import { captureColumns, captureFilterConditions, captureValues, sealedCaptureOf, whereClause } from '../capture-filter-sql.js';
import type { CaptureStore, SealedCapture } from '../store.js';
import type { PostgresDatabase } from './postgres-database.js';

/** Captured exchanges in PostgreSQL (`captures`): sealed text and the columns filters read, nothing else. */
export class PostgresCaptures implements CaptureStore {
  constructor(private readonly database: PostgresDatabase) {}

  async recordCaptures(captures: readonly SealedCapture[]): Promise<void> {
    if (captures.length === 0) return;
    // One statement for the batch, its parameter count independent of the batch size.
    const columns = captures.map(captureValues);
    const column = (index: number) => columns.map((values) => values[index]);
    await this.database.query(
      `INSERT INTO captures (${captureColumns})
       SELECT * FROM UNNEST($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::int[], $9::text[], $10::bigint[])
       ON CONFLICT (request_id) DO NOTHING`,
      Array.from({ length: 10 }, (_, index) => column(index)),
    );
  }

  async findCapture(requestId: string): Promise<SealedCapture | undefined> {
    const result = await this.database.query('SELECT * FROM captures WHERE request_id = $1', [requestId]);
    return result.rows[0] === undefined ? undefined : sealedCaptureOf(result.rows[0]);
  }

  async listCaptures(filter: CaptureFilter, options: { after?: { createdAt: number; requestId: string }; limit: number }): Promise<SealedCapture[]> {
    const values: unknown[] = [];
    const bind = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    const conditions = captureFilterConditions(filter, bind, hasTag);
    if (options.after !== undefined) {
      const { createdAt, requestId } = options.after;
      conditions.push(`(created_at, request_id) > (${bind(createdAt)}, ${bind(requestId)})`);
    }
    const result = await this.database.query(
      `SELECT * FROM captures ${whereClause(conditions)} ORDER BY created_at, request_id LIMIT ${bind(options.limit)}`,
      values,
    );
    return result.rows.map(sealedCaptureOf);
  }

  async purgeCaptures(filter: CaptureFilter, limit: number): Promise<number> {
    const values: unknown[] = [];
    const bind = (value: unknown) => {
      values.push(value);
      return `$${values.length}`;
    };
    const conditions = captureFilterConditions(filter, bind, hasTag);
    const chosen = `SELECT request_id FROM captures ${whereClause(conditions)} ORDER BY created_at, request_id LIMIT ${bind(limit)}`;
    const result = await this.database.query(`DELETE FROM captures WHERE request_id IN (${chosen})`, values);
    return result.rowCount ?? 0;
  }

  async pruneExpiredCaptures(now: number, limit: number): Promise<number> {
    const result = await this.database.query(
      'DELETE FROM captures WHERE request_id IN (SELECT request_id FROM captures WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)',
      [now, limit],
    );
    return result.rowCount ?? 0;
  }
}

function hasTag(placeholder: string): string {
  return `captures.tags::jsonb ? ${placeholder}`;
}
