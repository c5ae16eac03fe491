import type Database from 'better-sqlite3';
import type { ProviderKeyStore } from '../store.js';
import type { StoredProviderKey } from '../../domain/provider-key-record.js';
import { guarded } from './sqlite-database.js';

/** Sealed provider keys in the SQLite file (`provider_keys`). */
export class SqliteProviderKeys implements ProviderKeyStore {
  constructor(private readonly database: Database.Database) {}

  async setProviderKey(provider: string, sealedKey: string): Promise<void> {
    return guarded(() => {
      this.database
        .prepare(
          `INSERT INTO provider_keys (provider, sealed_key, updated_at) VALUES (?, ?, ?)
           ON CONFLICT (provider) DO UPDATE SET sealed_key = excluded.sealed_key, updated_at = excluded.updated_at`,
        )
        .run(provider, sealedKey, Date.now());
    });
  }

  async deleteProviderKey(provider: string): Promise<boolean> {
    return guarded(() => {
      return this.database.prepare('DELETE FROM provider_keys WHERE provider = ?').run(provider).changes > 0;
    });
  }

  async listProviderKeys(): Promise<StoredProviderKey[]> {
    return guarded(() => {
      const rows = this.database.prepare('SELECT * FROM provider_keys ORDER BY provider').all() as Array<{
        provider: string;
        sealed_key: string;
        updated_at: number;
      }>;
      return rows.map((row) => ({ provider: row.provider, sealedKey: row.sealed_key, updatedAt: row.updated_at }));
    });
  }
}
