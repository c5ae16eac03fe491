import type { SluiceConfig } from '../config/config-schema.js';
import { loadConfig } from '../config/load-config.js';
import { openStore as openStoreAt, storeLocationOf } from '../store/open-store.js';
import type { Store } from '../store/store.js';

export interface CommonOptions {
  config?: string;
}

/** Loads the config and opens the same store a running server uses, for the admin commands. */
export async function openStore(options: CommonOptions): Promise<{ config: SluiceConfig; store: Store }> {
  const config = await loadConfig({ path: options.config });
  return { config, store: await openStoreAt(storeLocationOf(config)) };
}
