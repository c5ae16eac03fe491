import type { ProviderKeyStore } from '../store.js';
import type { StoredProviderKey } from '../../domain/provider-key-record.js';
import type { PostgresDatabase, Row } from './postgres-database.js';

/** Sealed provider keys in PostgreSQL (`provider_keys`). */
export class PostgresProviderKeys implements ProviderKeyStore {
  constructor(private readonly database: PostgresDatabase) {}

  async setProviderKey(provider: string, sealedKey: string): Promise<void> {
    await this.database.query(
      `INSERT INTO provider_keys (provider, sealed_key, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (provider) DO UPDATE SET sealed_key = EXCLUDED.sealed_key, updated_at = EXCLUDED.updated_at`,
      [provider, sealedKey, Date.now()],
    );
  }

  async deleteProviderKey(provider: string): Promise<boolean> {
    return ((await this.database.query('DELETE FROM provider_keys WHERE provider = $1', [provider])).rowCount ?? 0) > 0;
  }

  async listProviderKeys(): Promise<StoredProviderKey[]> {
    const result = await this.database.query('SELECT * FROM provider_keys ORDER BY provider');
    return result.rows.map((row: Row) => ({ provider: String(row.provider), sealedKey: String(row.sealed_key), updatedAt: Number(row.updated_at) }));
  }
}
