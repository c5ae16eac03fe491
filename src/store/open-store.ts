import { join } from 'node:path';
import type { SluiceConfig } from '../config/config-schema.js';
import type { PostgresStoreOptions } from './postgres/postgres-store.js';
import { SqliteStore } from './sqlite/sqlite-store.js';
import type { Store } from './store.js';

/** Where the store lives; plain data, so a worker thread can open its own connection to the same place. */
export type StoreLocation = { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };

/** PostgreSQL when `database.url` (or DATABASE_URL) is set, else the SQLite file in the data directory. */
export function storeLocationOf(config: SluiceConfig): StoreLocation {
  return config.database.url ? { kind: 'postgres', url: config.database.url } : { kind: 'sqlite', path: join(config.dataDir, 'sluice.db') };
}

/**
 * `queryTimeoutMs` bounds each PostgreSQL query (the gateway sets it; the CLI's long reports do not);
 * `compactWithBatches: false` leaves rollup compaction to `compactRollups` (the gateway's usage writer);
 * `rollups: false` only in the writer benchmark (its baseline).
 */
export async function openStore(location: StoreLocation, options: PostgresStoreOptions = {}): Promise<Store> {
  if (location.kind === 'postgres') {
    // Loaded only for PostgreSQL: the driver and the store's modules cost ~3 MB of heap in each of the three
    // threads that open a store (requests, the usage writer, the rollup compactor), for nothing on SQLite.
    const { PostgresStore } = await import('./postgres/postgres-store.js');
    return PostgresStore.open(location.url, options);
  }
  return new SqliteStore(location.path, {
    ...(options.compactWithBatches === undefined ? {} : { compactWithBatches: options.compactWithBatches }),
    ...(options.rollups === undefined ? {} : { rollups: options.rollups }),
  });
}
