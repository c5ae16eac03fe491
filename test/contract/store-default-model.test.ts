import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { postgresMigrations } from '../../src/store/postgres/migrations.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { sqliteMigrations } from '../../src/store/sqlite/migrations.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { loadSqliteDriver } from '../../src/store/sqlite/load-sqlite-driver.js';

const Database = loadSqliteDriver();

/**
 * The default model of keys and teams, on SQLite and on the real PostgreSQL: stored, changed, cleared, kept
 * by changes that do not name it, and an upgrade from the schema before it (existing keys and teams have none).
 */
const directory = await mkdtemp(join(tmpdir(), 'sluice-default-model-'));
const databases: Array<{ drop(): Promise<void> }> = [];

/** The last schema before `default_model`: keys and teams written there must come back without a default. */
const keyBeforeDefaults = `INSERT INTO gateway_keys (id, name, hash, hint, allowed_models, limits, created_at, updated_at)
  VALUES ('key_old', 'old', 'old-hash', 'sk-…old', NULL, '{}', 1, 1)`;
const teamBeforeDefaults = `INSERT INTO principals (kind, name, limits, allowed_models, updated_at) VALUES ('team', 'old-team', '{}', NULL, 1)`;

interface Backend {
  name: string;
  open(): Promise<Store>;
  /** A store opened over a database left at the schema before default models, holding one key and one team. */
  upgraded(): Promise<Store>;
}

let sequence = 0;
const backends: Backend[] = [
  {
    name: 'sqlite',
    open: async () => new SqliteStore(join(directory, `fresh-${sequence++}.db`)),
    async upgraded() {
      const path = join(directory, `old-${sequence++}.db`);
      const database = new Database(path);
      const version = sqliteMigrations.length - 1;
      for (const migration of sqliteMigrations.slice(0, version)) database.exec(migration);
      database.pragma(`user_version = ${version}`);
      database.exec(keyBeforeDefaults);
      database.exec(teamBeforeDefaults);
      database.close();
      return new SqliteStore(path);
    },
  },
];

const postgresProbe = await createTestDatabase();
if ('url' in postgresProbe) {
  databases.push(postgresProbe);
  const freshDatabase = async () => {
    const database = await createTestDatabase();
    if (!('url' in database)) throw new Error(database.skipReason);
    databases.push(database);
    return database.url;
  };
  backends.push({
    name: 'postgres',
    open: async () => PostgresStore.open(await freshDatabase()),
    async upgraded() {
      const url = await freshDatabase();
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      const version = postgresMigrations.length - 1;
      await client.query('CREATE TABLE sluice_schema_version (version INTEGER NOT NULL)');
      await client.query('INSERT INTO sluice_schema_version (version) VALUES ($1)', [version]);
      for (const migration of postgresMigrations.slice(0, version)) await client.query(migration);
      await client.query(keyBeforeDefaults);
      await client.query(teamBeforeDefaults);
      await client.end();
      return PostgresStore.open(url);
    },
  });
} else {
  console.warn(`[default model store contract] skipping PostgreSQL: ${postgresProbe.skipReason}`);
}

afterAll(async () => {
  for (const database of databases) await database.drop();
  await rm(directory, { recursive: true, force: true });
});

describe.each(backends)('$name store: default models', (backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await backend.open();
    return () => store.close();
  });

  const key = (name: string) => ({ name, hash: `hash-${name}`, hint: 'sk-…', userName: null, teamName: null, allowedModels: null, role: 'user' as const, limits: {} });
  const stored = async (name: string) => (await store.listKeys()).find((candidate) => candidate.name === name);

  it('a key stores its default model; changes that do not name it keep it; null clears it', async () => {
    const created = await store.createKey({ ...key('with-default'), defaultModel: 'fast' });
    expect(created.defaultModel).toBe('fast');
    expect(await stored('with-default')).toMatchObject({ defaultModel: 'fast' });
    expect((await store.keysChangedSince(0)).find((candidate) => candidate.id === created.id)).toMatchObject({ defaultModel: 'fast' });

    expect(await store.updateKey('with-default', { limits: { requestsPerMinute: 3 } })).toMatchObject({ defaultModel: 'fast', limits: { requestsPerMinute: 3 } });
    expect(await store.updateKey('with-default', { defaultModel: 'anthropic:claude-haiku-4-5' })).toMatchObject({ defaultModel: 'anthropic:claude-haiku-4-5' });
    expect(await store.updateKey(created.id, { defaultModel: null })).toMatchObject({ defaultModel: null });
    expect(await stored('with-default')).toMatchObject({ defaultModel: null, limits: { requestsPerMinute: 3 } });
  });

  it('a key created without one has none', async () => {
    expect((await store.createKey(key('without-default'))).defaultModel).toBeNull();
    expect(await stored('without-default')).toMatchObject({ defaultModel: null });
  });

  it('a team stores its default model; an upsert without one has none', async () => {
    const saved = await store.setPrincipal('team', { name: 'platform', limits: {}, allowedModels: ['fast'], defaultModel: 'fast' });
    expect(saved).toMatchObject({ name: 'platform', defaultModel: 'fast' });
    expect(await store.listPrincipals('team')).toMatchObject([{ name: 'platform', allowedModels: ['fast'], defaultModel: 'fast' }]);
    expect(await store.principalsChangedSince('team', saved.updatedAt)).toMatchObject([{ defaultModel: 'fast' }]);
    await store.setPrincipal('team', { name: 'platform', limits: { requestsPerMinute: 5 }, allowedModels: null });
    expect(await store.listPrincipals('team')).toMatchObject([{ name: 'platform', defaultModel: null }]);
    await store.setPrincipal('user', { name: 'ada', limits: {}, allowedModels: null });
    expect(await store.listPrincipals('user')).toMatchObject([{ name: 'ada', defaultModel: null }]);
  });

  it('keys and teams from before the upgrade have no default, and can be given one', async () => {
    const upgraded = await backend.upgraded();
    try {
      expect(await upgraded.listKeys()).toMatchObject([{ name: 'old', defaultModel: null }]);
      expect(await upgraded.listPrincipals('team')).toMatchObject([{ name: 'old-team', defaultModel: null }]);
      expect(await upgraded.updateKey('old', { defaultModel: 'mini' })).toMatchObject({ defaultModel: 'mini' });
      expect(await upgraded.setPrincipal('team', { name: 'old-team', limits: {}, allowedModels: null, defaultModel: 'fast' })).toMatchObject({ defaultModel: 'fast' });
      expect(await upgraded.listPrincipals('team')).toMatchObject([{ name: 'old-team', defaultModel: 'fast' }]);
    } finally {
      await upgraded.close();
    }
  });
});
