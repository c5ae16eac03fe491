import type Database from 'better-sqlite3';
import type { DashboardSession } from '../../domain/dashboard-session.js';
import type { SessionStore } from '../store.js';
import { guarded } from './sqlite-database.js';

/** Dashboard sessions in the SQLite file (`dashboard_sessions`). */
export class SqliteSessions implements SessionStore {
  constructor(private readonly database: Database.Database) {}

  async createSession(session: DashboardSession): Promise<void> {
    return guarded(() => {
      this.database
        .prepare('INSERT INTO dashboard_sessions (token_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)')
        .run(session.tokenHash, session.keyId, session.createdAt, session.expiresAt);
    });
  }

  async findSession(tokenHash: string): Promise<DashboardSession | undefined> {
    return guarded(() => {
      const row = this.database.prepare('SELECT * FROM dashboard_sessions WHERE token_hash = ?').get(tokenHash) as
        | { token_hash: string; key_id: string; created_at: number; expires_at: number }
        | undefined;
      return row ? { tokenHash: row.token_hash, keyId: row.key_id, createdAt: row.created_at, expiresAt: row.expires_at } : undefined;
    });
  }

  async deleteSession(tokenHash: string): Promise<boolean> {
    return guarded(() => this.database.prepare('DELETE FROM dashboard_sessions WHERE token_hash = ?').run(tokenHash).changes > 0);
  }

  async deleteExpiredSessions(now: number): Promise<number> {
    return guarded(() => this.database.prepare('DELETE FROM dashboard_sessions WHERE expires_at < ?').run(now).changes);
  }
}
