import { ConfigError } from '../config/interpolate-env.js';
import type { Logger } from '../domain/logger.js';
import type { KeyStore } from '../store/store.js';
import { GATEWAY_KEY_PREFIX, hashGatewayKey, isWellFormedGatewayKey } from './gateway-key.js';
import { issueGatewayKey } from './issue-gateway-key.js';
import type { KeyRole } from '../domain/key-role.js';

/** The keys a deployment hands Sluice in its environment, made beforehand with `sluice keys generate`. */
const environmentKeys: readonly { variable: string; name: string; role: KeyRole }[] = [
  { variable: 'SLUICE_ADMIN_KEY', name: 'first-key', role: 'admin' },
  { variable: 'SLUICE_METRICS_KEY', name: 'metrics', role: 'metrics' },
];

export interface KeysFromEnvironmentOptions {
  store: KeyStore;
  env: NodeJS.ProcessEnv;
  logger: Logger;
  /** Issue (and return) a new admin key when the store has none and SLUICE_ADMIN_KEY is unset (a first run at a terminal). */
  issueFirstKey: boolean;
}

/**
 * Stores the keys a deployment was given, hash only, so a container needs no interactive first run:
 * SLUICE_ADMIN_KEY becomes the admin key of an empty store (a store that has keys already keeps them and
 * ignores it), SLUICE_METRICS_KEY a metrics key unless its hash is stored already. Neither token is
 * logged. Several instances may start at once on one PostgreSQL: the one that loses the race to create a
 * key finds it created. Returns the key it issued itself, with its token: the only one the caller may print.
 */
export async function keysFromEnvironment(options: KeysFromEnvironmentOptions): Promise<{ token: string; id: string } | undefined> {
  const { store, env, logger } = options;
  const existing = await store.listKeys();
  const storedHashes = new Set(existing.map((key) => key.hash));
  for (const { variable, name, role } of environmentKeys) {
    const token = env[variable]?.trim();
    if (!token) continue;
    // The message names the variable, never its value.
    if (!isWellFormedGatewayKey(token)) {
      throw new ConfigError(`${variable} is not a Sluice key (${GATEWAY_KEY_PREFIX}…): make one with \`sluice keys generate\``);
    }
    const hash = hashGatewayKey(token);
    if (storedHashes.has(hash)) continue;
    if (role === 'admin' && existing.length > 0) {
      logger.info({ variable }, `${variable} is ignored: the store has keys already (it is read on the first start only)`);
      continue;
    }
    if (existing.some((key) => key.name === name)) {
      logger.warn({ variable, name }, `${variable} is ignored: a key named '${name}' exists with another token; revoke or rename it first`);
      continue;
    }
    try {
      const key = await store.createKey({
        name,
        hash,
        hint: `${GATEWAY_KEY_PREFIX}…${token.slice(-4)}`,
        userName: null,
        teamName: null,
        allowedModels: null,
        role,
        limits: {},
        defaultModel: null,
      });
      storedHashes.add(hash);
      logger.info({ variable, keyId: key.id, name, role }, `stored the key from ${variable} (its hash only)`);
    } catch (error) {
      if (!(await store.listKeys()).some((key) => key.hash === hash)) throw error;
    }
  }
  if (!options.issueFirstKey || env.SLUICE_ADMIN_KEY?.trim() || existing.length > 0) return undefined;
  const issued = await issueGatewayKey(store, { name: 'first-key', role: 'admin' });
  return { token: issued.token, id: issued.key.id };
}
