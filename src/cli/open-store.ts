import { join } from 'node:path';
import type { SluiceConfig } from '../config/config-schema.js';
import { loadConfig } from '../config/load-config.js';
import { SqliteStore } from '../store/sqlite/sqlite-store.js';

export interface CommonOptions {
  config?: string;
}

/** Loads the config and opens the same store a running server uses, for the admin commands. */
export async function openStore(options: CommonOptions): Promise<{ config: SluiceConfig; store: SqliteStore }> {
  const config = await loadConfig({ path: options.config });
  return { config, store: new SqliteStore(join(config.dataDir, 'sluice.db')) };
}
