import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sealCapture } from '../../src/capture/seal-capture.js';
import type { CapturedExchange } from '../../src/domain/captured-exchange.js';
import { loadMasterKey, SecretBox } from '../../src/keys/secret-box.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** `sluice capture show|purge` and `--capture` on keys and teams, as an operator runs them, against the SQLite store. */
const cli = join(process.cwd(), 'dist/src/cli/main.js');
let dataDir = '';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sluice-cli-capture-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function sluice(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_DATA_DIR: dataDir };
  for (const name of ['SLUICE_CONFIG', 'DATABASE_URL', 'REDIS_URL', 'SLUICE_MASTER_KEY']) delete env[name];
  return spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
}

async function withStore<T>(work: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore(join(dataDir, 'sluice.db'));
  try {
    return await work(store);
  } finally {
    await store.close();
  }
}

function exchange(requestId: string, fields: Partial<CapturedExchange>): CapturedExchange {
  return {
    requestId,
    createdAt: Date.parse('2026-01-10T00:00:00Z'),
    keyId: null,
    teamName: null,
    userName: 'ada',
    requestedModel: 'mini',
    runId: 'run-7',
    trialId: 't1',
    tags: ['ci'],
    inboundDialect: 'openai-chat',
    method: 'POST',
    path: '/v1/chat/completions',
    requestHeaders: { 'content-type': 'application/json' },
    requestBody: '{"model":"mini","messages":[{"role":"user","content":"hello [REDACTED:email]"}]}',
    status: 200,
    stream: false,
    answer: '{"id":"chatcmpl-1"}',
    requestTruncated: false,
    answerTruncated: false,
    redactions: { email: 1 },
    ...fields,
  };
}

describe('capture settings from the CLI', () => {
  it('keys issue and update --capture, teams set --capture, shown in the lists', async () => {
    const issued = sluice('keys', 'issue', '--name', 'watched-key', '--capture', '0.1', '--capture-retain-days', '3');
    expect(issued.stderr).toContain('Issued key');
    expect(issued.status).toBe(0);
    const updated = sluice('keys', 'update', 'watched-key', '--capture-max-bytes', '4096');
    expect(updated.status).toBe(0);
    expect(updated.stdout).toContain('capture 0.1, 3 d, 4096 B');
    const team = sluice('teams', 'set', 'research', '--capture', '1');
    expect(team.status).toBe(0);
    expect(team.stdout).toContain('capture 1');
    // A limit change keeps the team's capture.
    expect(sluice('teams', 'set', 'research', '--rpm', '10').stdout).toContain('capture 1');
    await withStore(async (store) => {
      expect((await store.listKeys()).find((key) => key.name === 'watched-key')?.capture).toEqual({ sample: 0.1, retainDays: 3, maxBytes: 4096 });
      expect((await store.listPrincipals('team')).find((principal) => principal.name === 'research')?.capture).toEqual({ sample: 1 });
    });
    expect(sluice('keys', 'list').stdout).toMatch(/CAPTURE[\s\S]*0\.1, 3 d, 4096 B/);
    expect(sluice('teams', 'list').stdout).toMatch(/CAPTURE[\s\S]*research/);
    const off = sluice('keys', 'update', 'watched-key', '--capture', 'off');
    expect(off.status).toBe(0);
    await withStore(async (store) => expect((await store.listKeys()).find((key) => key.name === 'watched-key')?.capture).toBeNull());
  });

  it('refuses a sample outside 0..1 and a retention with nothing to capture', () => {
    for (const args of [
      ['keys', 'issue', '--name', 'bad-1', '--capture', '2'],
      ['keys', 'issue', '--name', 'bad-2', '--capture', 'lots'],
      ['keys', 'issue', '--name', 'bad-3', '--capture-retain-days', '3'],
      ['teams', 'set', 'bad', '--capture', '0.5', '--capture-max-bytes', '0'],
    ]) {
      const refused = sluice(...args);
      expect(refused.status, args.join(' ')).not.toBe(0);
      expect(refused.stderr.length).toBeGreaterThan(0);
    }
  });
});

describe('sluice capture', () => {
  let keyId = '';
  beforeAll(async () => {
    const box = new SecretBox((await loadMasterKey({ env: {}, dataDirectory: dataDir })).key);
    await withStore(async (store) => {
      keyId = (await store.listKeys()).find((key) => key.name === 'watched-key')!.id;
      await store.recordCaptures([
        sealCapture(box, exchange('req-show', { keyId }), undefined),
        sealCapture(box, exchange('req-key', { keyId, createdAt: Date.parse('2026-02-01T00:00:00Z') }), undefined),
        sealCapture(box, exchange('req-team', { teamName: 'research', createdAt: Date.parse('2026-02-01T00:00:00Z') }), undefined),
        sealCapture(box, exchange('req-old', { createdAt: Date.parse('2025-06-01T00:00:00Z') }), undefined),
        sealCapture(box, exchange('req-new', { createdAt: Date.now() }), undefined),
      ]);
    });
  });

  it('show prints the capture as the admin API answers it', () => {
    const shown = sluice('capture', 'show', 'req-show');
    expect(shown.stderr).toBe('');
    expect(shown.status).toBe(0);
    expect(JSON.parse(shown.stdout)).toEqual({
      request_id: 'req-show',
      created_at: '2026-01-10T00:00:00.000Z',
      key_id: keyId,
      team: null,
      user: 'ada',
      model: 'mini',
      run: 'run-7',
      trial: 't1',
      tags: ['ci'],
      dialect: 'openai-chat',
      method: 'POST',
      path: '/v1/chat/completions',
      request: { headers: { 'content-type': 'application/json' }, body: '{"model":"mini","messages":[{"role":"user","content":"hello [REDACTED:email]"}]}' },
      response: { status: 200, stream: false, body: '{"id":"chatcmpl-1"}' },
      request_truncated: false,
      answer_truncated: false,
      redactions: { email: 1 },
    });
    const missing = sluice('capture', 'show', 'no-such-request');
    expect(missing.status).not.toBe(0);
    expect(missing.stderr).toContain('no capture');
  });

  it('purge by key (name), by team, before a date; nothing without a flag', async () => {
    const refused = sluice('capture', 'purge');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('--all');
    expect(sluice('capture', 'purge', '--key', 'watched-key').stdout).toBe('Deleted 2 captures.\n');
    expect(sluice('capture', 'purge', '--team', 'research').stdout).toBe('Deleted 1 capture.\n');
    expect(sluice('capture', 'purge', '--before', '2026-01-01').stdout).toBe('Deleted 1 capture.\n');
    expect(sluice('capture', 'purge', '--before', '30d').stdout).toBe('Deleted 0 captures.\n');
    await withStore(async (store) => expect((await store.listCaptures({}, { limit: 10 })).map((capture) => capture.requestId)).toEqual(['req-new']));
    expect(sluice('capture', 'purge', '--all').stdout).toBe('Deleted 1 capture.\n');
  });
});
