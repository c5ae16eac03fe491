import { join } from 'node:path';
import type { SluiceConfig } from '../config/config-schema.js';
import { PostgresStore, type PostgresStoreOptions } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Where the store lives; plain data, so a worker thread can open its own connection to the same place. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** PostgreSQL when `database.url` (or DATABASE_URL) is set, else the SQLite file in the data directory. */
export function storeLocationOf(config: SluiceConfig): StoreLocation {
  return config.database.url ? { kind: 'postgres', url: config.database.url } : { kind: 'sqlite', path: join(config.dataDir, 'sluice.db') };
}

/** `queryTimeoutMs` bounds each PostgreSQL query (the gateway sets it; the CLI's long reports do not). */
export async function openStore(location: StoreLocation, options: PostgresStoreOptions = {}): Promise<Store> {
  return location.kind === 'postgres' ? PostgresStore.open(location.url, options) : new SqliteStore(location.path);
}
