import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureRetention } from '../../src/capture/capture-retention.js';
import { openCapture, sealCapture } from '../../src/capture/seal-capture.js';
import type { CapturedExchange } from '../../src/domain/captured-exchange.js';
import { SecretBox } from '../../src/keys/secret-box.js';
import { PostgresStore } from '../../src/store/postgres/postgres-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { SealedCapture, Store } from '../../src/store/store.js';
import { createTestDatabase } from '../helpers/postgres-backend.js';

/**
 * The capture store (issue 22 §2) on SQLite and on the real PostgreSQL: sealed captures written once per
 * request id, found, listed by filter and cursor, purged by key, team, time or tag in batches, and pruned past
 * their expiry by the retention loop on an injected clock; and the key's and team's capture settings.
 */
const directory = await mkdtemp(join(tmpdir(), 'sluice-captures-'));
const postgres = await createTestDatabase();
let sqliteFiles = 0;
const backends: Array<{ name: string; open(): Promise<Store> }> = [{ name: 'sqlite', open: async () => new SqliteStore(join(directory, `sluice-${sqliteFiles++}.db`)) }];
if ('url' in postgres) backends.push({ name: 'postgres', open: () => PostgresStore.open(postgres.url) });
else console.warn(`[capture store contract] skipping PostgreSQL: ${postgres.skipReason}`);

afterAll(async () => {
  if ('url' in postgres) await postgres.drop();
  await rm(directory, { recursive: true, force: true });
});

const box = new SecretBox(randomBytes(32));
const dayMs = 86_400_000;

function exchange(requestId: string, fields: Partial<CapturedExchange> = {}): CapturedExchange {
  return {
    requestId,
    createdAt: 1_000,
    keyId: 'key_a',
    teamName: 'research',
    userName: null,
    requestedModel: 'mini',
    runId: null,
    trialId: null,
    tags: [],
    inboundDialect: 'openai-chat',
    method: 'POST',
    path: '/v1/chat/completions',
    requestHeaders: { 'content-type': 'application/json' },
    requestBody: '{"model":"mini"}',
    status: 200,
    stream: false,
    answer: '{"id":"x"}',
    requestTruncated: false,
    answerTruncated: false,
    redactions: {},
    ...fields,
  };
}

function sealed(requestId: string, fields: Partial<CapturedExchange> = {}, expiresAt?: number): SealedCapture {
  return sealCapture(box, exchange(requestId, fields), expiresAt);
}

const ids = (captures: readonly SealedCapture[]) => captures.map((capture) => capture.requestId);

describe.each(backends)('$name capture store', (backend) => {
  /** The store with no capture in it (PostgreSQL's schema is shared by the file's tests). */
  const emptyStore = async () => {
    const store = await backend.open();
    await store.purgeCaptures({}, 100_000);
    return store;
  };

  it('writes a capture once per request id, finds it and opens it', async () => {
    const store = await emptyStore();
    try {
      const first = sealed('req-1', { requestBody: 'first', tags: ['ci'] }, 5_000);
      await store.recordCaptures([first]);
      // A retried batch writes nothing twice; the capture stored first stays.
      await store.recordCaptures([sealed('req-1', { requestBody: 'second' }), sealed('req-2')]);
      await store.recordCaptures([]);
      const found = await store.findCapture('req-1');
      expect(found).toEqual(first);
      expect(openCapture(box, found!)).toEqual(exchange('req-1', { requestBody: 'first', tags: ['ci'] }));
      expect((await store.findCapture('req-2'))?.expiresAt).toBeUndefined();
      expect(await store.findCapture('no-such-request')).toBeUndefined();
    } finally {
      await store.close();
    }
  });

  it('lists by filter, oldest first, page by page after a cursor', async () => {
    const store = await emptyStore();
    try {
      await store.recordCaptures([
        sealed('b', { createdAt: 2_000, keyId: 'key_a', tags: ['ci', 'nightly'], runId: 'run-1' }),
        sealed('a', { createdAt: 2_000, keyId: 'key_b', teamName: 'ops', tags: ['nightly'], requestedModel: 'haiku' }),
        sealed('c', { createdAt: 3_000, keyId: 'key_a', tags: [], runId: 'run-1' }),
        sealed('d', { createdAt: 1_000, keyId: null, teamName: null, tags: ['ci'] }),
      ]);
      expect(ids(await store.listCaptures({}, { limit: 10 }))).toEqual(['d', 'a', 'b', 'c']);
      const firstPage = await store.listCaptures({}, { limit: 2 });
      expect(ids(firstPage)).toEqual(['d', 'a']);
      const last = firstPage.at(-1)!;
      expect(ids(await store.listCaptures({}, { after: { createdAt: last.createdAt, requestId: last.requestId }, limit: 2 }))).toEqual(['b', 'c']);
      expect(ids(await store.listCaptures({ keyId: 'key_a' }, { limit: 10 }))).toEqual(['b', 'c']);
      expect(ids(await store.listCaptures({ teamName: 'ops' }, { limit: 10 }))).toEqual(['a']);
      expect(ids(await store.listCaptures({ requestedModel: 'haiku' }, { limit: 10 }))).toEqual(['a']);
      expect(ids(await store.listCaptures({ tag: 'ci' }, { limit: 10 }))).toEqual(['d', 'b']);
      expect(ids(await store.listCaptures({ runId: 'run-1' }, { limit: 10 }))).toEqual(['b', 'c']);
      expect(ids(await store.listCaptures({ from: 2_000, before: 3_000 }, { limit: 10 }))).toEqual(['a', 'b']);
      expect(ids(await store.listCaptures({ keyId: 'key_a', tag: 'nightly' }, { limit: 10 }))).toEqual(['b']);
    } finally {
      await store.close();
    }
  });

  it('purges by key, team, time and tag, at most `limit` a statement, oldest first', async () => {
    const store = await emptyStore();
    try {
      await store.recordCaptures([
        sealed('k1', { createdAt: 1_000, keyId: 'key_x', teamName: 't1' }),
        sealed('k2', { createdAt: 2_000, keyId: 'key_x', teamName: 't2' }),
        sealed('k3', { createdAt: 3_000, keyId: 'key_x', teamName: 't2' }),
        sealed('t1', { createdAt: 4_000, keyId: 'key_y', teamName: 't2' }),
        sealed('old', { createdAt: 500, keyId: 'key_z', teamName: null, tags: ['keep'] }),
        sealed('new', { createdAt: 9_000, keyId: 'key_z', teamName: null, tags: ['drop'] }),
      ]);
      // Oldest first: k1 and k2 go, k3 stays for the next statement.
      expect(await store.purgeCaptures({ keyId: 'key_x' }, 2)).toBe(2);
      expect(ids(await store.listCaptures({ keyId: 'key_x' }, { limit: 10 }))).toEqual(['k3']);
      expect(await store.purgeCaptures({ teamName: 't2' }, 100)).toBe(2);
      expect(await store.findCapture('t1')).toBeUndefined();
      expect(await store.purgeCaptures({ tag: 'drop' }, 100)).toBe(1);
      expect(await store.purgeCaptures({ before: 1_000 }, 100)).toBe(1);
      expect(await store.findCapture('old')).toBeUndefined();
      expect(await store.purgeCaptures({}, 100)).toBe(0);
      expect(await store.listCaptures({}, { limit: 10 })).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('retention deletes captures past their own expiry, in batches, on the injected clock', async () => {
    const store = await emptyStore();
    try {
      const start = 100 * dayMs;
      await store.recordCaptures([
        ...Array.from({ length: 5 }, (_, index) => sealed(`week-${index}`, { createdAt: start + index }, start + index + 7 * dayMs)),
        sealed('month', { createdAt: start }, start + 30 * dayMs),
        sealed('forever', { createdAt: start }),
      ]);
      let now = start + 6 * dayMs;
      const retention = new CaptureRetention({ store, logger: silentLogger, batchSize: 2, pauseMs: 0, clock: () => now });
      expect(await retention.prune()).toBe(0);
      now = start + 7 * dayMs + 2;
      expect(await retention.prune()).toBe(3);
      expect(ids(await store.listCaptures({}, { limit: 10 })).sort()).toEqual(['forever', 'month', 'week-3', 'week-4']);
      now = start + 31 * dayMs;
      expect(await retention.prune()).toBe(3);
      expect(ids(await store.listCaptures({}, { limit: 10 }))).toEqual(['forever']);
      await retention.stop();
    } finally {
      await store.close();
    }
  });

  it("keeps a key's and a team's capture settings", async () => {
    const store = await backend.open();
    try {
      const key = await store.createKey({ name: `k-${backend.name}`, hash: `h-${backend.name}`, hint: 'x', userName: null, teamName: null, allowedModels: null, role: 'user', limits: {}, capture: { sample: 0.25, maxBytes: 1024 } });
      expect(key.capture).toEqual({ sample: 0.25, maxBytes: 1024 });
      expect((await store.listKeys()).find((listed) => listed.id === key.id)?.capture).toEqual({ sample: 0.25, maxBytes: 1024 });
      expect((await store.updateKey(key.id, { capture: null }))?.capture).toBeNull();
      expect((await store.updateKey(key.id, { capture: { sample: 1, retainDays: 2 } }))?.capture).toEqual({ sample: 1, retainDays: 2 });
      // A change that does not name capture keeps it.
      expect((await store.updateKey(key.id, { run: 'r' }))?.capture).toEqual({ sample: 1, retainDays: 2 });
      const plain = await store.createKey({ name: `plain-${backend.name}`, hash: `p-${backend.name}`, hint: 'x', userName: null, teamName: null, allowedModels: null, role: 'user', limits: {} });
      expect(plain.capture).toBeNull();

      await store.setPrincipal('team', { name: 'watched', limits: {}, allowedModels: null, capture: { sample: 0.5 } });
      expect((await store.listPrincipals('team')).find((team) => team.name === 'watched')?.capture).toEqual({ sample: 0.5 });
      await store.setPrincipal('team', { name: 'watched', limits: {}, allowedModels: null });
      expect((await store.listPrincipals('team')).find((team) => team.name === 'watched')?.capture).toBeNull();
    } finally {
      await store.close();
    }
  });
});

const silentLogger = { error: () => undefined, warn: () => undefined, info: () => undefined, debug: () => undefined };
