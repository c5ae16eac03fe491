import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { Store } from '../../src/store/store.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';

/** The dashboard session store contract, run on SQLite and on the real PostgreSQL on the machine. */
const directory = await mkdtemp(join(tmpdir(), 'sluice-sessions-'));
const postgres = await createTestDatabase();
const backends: Array<{ name: string; open: () => Promise<Store> }> = [{ name: 'sqlite', open: async () => new SqliteStore(join(directory, 'sessions.db')) }];
if ('url' in postgres) backends.push({ name: 'postgres', open: () => PostgresStore.open(postgres.url) });
else console.warn(`[session store contract] skipping PostgreSQL: ${postgres.skipReason}`);

afterAll(async () => {
  if ('url' in postgres) await postgres.drop();
  await rm(directory, { recursive: true, force: true });
});

describe.each(backends)('$name session store', (backend) => {
  let store: Store;
  beforeAll(async () => {
    store = await backend.open();
    return () => store.close();
  });

  it('creates, finds, deletes, and prunes only expired sessions', async () => {
    const now = Date.parse('2026-11-29T10:00:00Z');
    const live = { tokenHash: 'a'.repeat(64), keyId: 'key_live', createdAt: now, expiresAt: now + 3_600_000 };
    const old = { tokenHash: 'b'.repeat(64), keyId: 'key_old', createdAt: now - 7_200_000, expiresAt: now - 1 };
    await store.createSession(live);
    await store.createSession(old);
    await expect(store.createSession(live)).rejects.toThrow();
    expect(await store.findSession(live.tokenHash)).toEqual(live);
    expect(await store.findSession('c'.repeat(64))).toBeUndefined();
    expect(await store.deleteExpiredSessions(now)).toBe(1);
    expect(await store.findSession(old.tokenHash)).toBeUndefined();
    expect(await store.findSession(live.tokenHash)).toEqual(live);
    expect(await store.deleteSession(live.tokenHash)).toBe(true);
    expect(await store.deleteSession(live.tokenHash)).toBe(false);
    expect(await store.findSession(live.tokenHash)).toBeUndefined();
  });
});
