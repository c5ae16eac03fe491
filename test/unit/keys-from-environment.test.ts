import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pino } from 'pino';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { generateGatewayKey, hashGatewayKey } from '../../src/keys/gateway-key.js';
import { issueGatewayKey } from '../../src/keys/issue-gateway-key.js';
import { keysFromEnvironment } from '../../src/keys/keys-from-environment.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** SLUICE_ADMIN_KEY and SLUICE_METRICS_KEY: a container's first admin key, with nothing printed. */
let directory = '';
let store: SqliteStore;
const lines: string[] = [];
const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(line) });

beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-env-keys-'));
  store = new SqliteStore(join(directory, 'sluice.db'));
  lines.length = 0;
});

afterEach(async () => {
  await store.close();
  await rm(directory, { recursive: true, force: true });
});

describe('keysFromEnvironment', () => {
  it('stores SLUICE_ADMIN_KEY on an empty store, hash only, issues nothing, and logs no token', async () => {
    const admin = generateGatewayKey().token;
    const metrics = generateGatewayKey().token;
    const env = { SLUICE_ADMIN_KEY: admin, SLUICE_METRICS_KEY: `${metrics}\n` };
    expect(await keysFromEnvironment({ store, env, logger, issueFirstKey: true })).toBeUndefined();
    const keys = await store.listKeys();
    expect(keys.map((key) => [key.name, key.role, key.hash]).sort()).toEqual([
      ['first-key', 'admin', hashGatewayKey(admin)],
      ['metrics', 'metrics', hashGatewayKey(metrics)],
    ]);
    expect(lines.join('')).not.toContain(admin.slice(10));
    expect(lines.join('')).not.toContain(metrics.slice(10));
    expect(lines.join('')).toContain('stored the key from SLUICE_ADMIN_KEY');

    // A restart with the same environment stores nothing twice.
    await keysFromEnvironment({ store, env, logger, issueFirstKey: true });
    expect(await store.listKeys()).toHaveLength(2);
  });

  it('issues a first key only without SLUICE_ADMIN_KEY, on an empty store, when asked to', async () => {
    expect(await keysFromEnvironment({ store, env: {}, logger, issueFirstKey: false })).toBeUndefined();
    expect(await store.listKeys()).toEqual([]);
    const issued = await keysFromEnvironment({ store, env: {}, logger, issueFirstKey: true });
    expect((await store.listKeys()).map((key) => [key.id, key.hash])).toEqual([[issued!.id, hashGatewayKey(issued!.token)]]);
    expect(await keysFromEnvironment({ store, env: {}, logger, issueFirstKey: true })).toBeUndefined();
  });

  it('reads SLUICE_ADMIN_KEY on the first start only: a store with keys keeps them', async () => {
    await issueGatewayKey(store, { name: 'existing', role: 'admin' });
    await keysFromEnvironment({ store, env: { SLUICE_ADMIN_KEY: generateGatewayKey().token }, logger, issueFirstKey: true });
    expect((await store.listKeys()).map((key) => key.name)).toEqual(['existing']);
    expect(lines.join('')).toContain('SLUICE_ADMIN_KEY is ignored');
  });

  it('refuses a value that is not a Sluice key, without echoing it', async () => {
    const attempt = keysFromEnvironment({ store, env: { SLUICE_ADMIN_KEY: 'hunter2-not-a-key' }, logger, issueFirstKey: true });
    await expect(attempt).rejects.toThrow(/SLUICE_ADMIN_KEY is not a Sluice key/);
    await expect(attempt).rejects.not.toThrow(/hunter2/);
    // A typo in a generated key fails its checksum.
    const token = generateGatewayKey().token;
    const typo = `${token.slice(0, 20)}${token[20] === 'a' ? 'b' : 'a'}${token.slice(21)}`;
    await expect(keysFromEnvironment({ store, env: { SLUICE_METRICS_KEY: typo }, logger, issueFirstKey: false })).rejects.toThrow(/SLUICE_METRICS_KEY/);
    expect(await store.listKeys()).toEqual([]);
  });

  it('lets two instances starting at once on one store both succeed with one key stored', async () => {
    const second = new SqliteStore(join(directory, 'sluice.db'));
    try {
      const env = { SLUICE_ADMIN_KEY: generateGatewayKey().token };
      await Promise.all([
        keysFromEnvironment({ store, env, logger, issueFirstKey: true }),
        keysFromEnvironment({ store: second, env, logger, issueFirstKey: true }),
      ]);
      expect((await store.listKeys()).map((key) => key.name)).toEqual(['first-key']);
    } finally {
      await second.close();
    }
  });
});
