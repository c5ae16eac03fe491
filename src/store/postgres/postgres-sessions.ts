import type { DashboardSession } from '../../domain/dashboard-session.js';
import type { SessionStore } from '../store.js';
import type { PostgresDatabase } from './postgres-database.js';

/** Dashboard sessions in PostgreSQL (`dashboard_sessions`), shared by every instance. */
export class PostgresSessions implements SessionStore {
  constructor(private readonly database: PostgresDatabase) {}

  async createSession(session: DashboardSession): Promise<void> {
    await this.database.query('INSERT INTO dashboard_sessions (token_hash, key_id, created_at, expires_at) VALUES ($1, $2, $3, $4)', [
      session.tokenHash,
      session.keyId,
      session.createdAt,
      session.expiresAt,
    ]);
  }

  async findSession(tokenHash: string): Promise<DashboardSession | undefined> {
    const row = (await this.database.query('SELECT * FROM dashboard_sessions WHERE token_hash = $1', [tokenHash])).rows[0];
    return row
      ? { tokenHash: String(row.token_hash), keyId: String(row.key_id), createdAt: Number(row.created_at), expiresAt: Number(row.expires_at) }
      : undefined;
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return ((await this.database.query('DELETE FROM dashboard_sessions WHERE token_hash = $1', [tokenHash])).rowCount ?? 0) > 0;
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return (await this.database.query('DELETE FROM dashboard_sessions WHERE expires_at < $1', [now])).rowCount ?? 0;
  }
}
