import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { keysCommand } from '../../src/cli/keys-command.js';
import { principalsCommand } from '../../src/cli/principals-command.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/**
 * `--default-model` on `keys issue`, `keys update` and `teams set`: stored as given, kept by changes that do
 * not give it, cleared by `--default-model ""`; and `--queue-ms` beside the other limit flags. Driven
 * through the commands against a temporary SQLite store.
 */
let directory: string;
let configPath: string;
let printed: string[];

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-default-model-flags-'));
  configPath = join(directory, 'sluice.yaml');
  await writeFile(configPath, `dataDir: ${directory}\n`);
});
afterAll(() => rm(directory, { recursive: true, force: true }));

beforeEach(() => {
  vi.stubEnv('DATABASE_URL', '');
  vi.stubEnv('REDIS_URL', '');
  vi.stubEnv('SLUICE_DATA_DIR', '');
  printed = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((text) => {
    printed.push(String(text));
    return true;
  });
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

/** Runs `sluice <args> --config <this test's config>` in process; a usage error throws instead of exiting. */
async function sluice(...args: string[]): Promise<void> {
  const [group, ...rest] = args;
  const command = group === 'keys' ? keysCommand() : principalsCommand(group === 'users' ? 'user' : 'team');
  const throwInstead = (each: Command) => {
    each.exitOverride();
    each.commands.forEach(throwInstead);
  };
  throwInstead(command);
  await command.parseAsync([...rest, '--config', configPath], { from: 'user' });
}

async function readStore<T>(read: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore(join(directory, 'sluice.db'));
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}
const storedKey = (name: string) => readStore(async (store) => (await store.listKeys()).find((key) => key.name === name));
const storedTeam = (name: string) => readStore(async (store) => (await store.listPrincipals('team')).find((team) => team.name === name));

describe('--role', () => {
  it('keys issue --role sets a role; --admin is admin; keys update --role changes it; keys list shows it', async () => {
    await sluice('keys', 'issue', '--name', 'finance', '--role', 'analytics');
    expect(await storedKey('finance')).toMatchObject({ role: 'analytics', isAdmin: false });
    await sluice('keys', 'issue', '--name', 'old-style-admin', '--admin');
    expect(await storedKey('old-style-admin')).toMatchObject({ role: 'admin', isAdmin: true });
    await sluice('keys', 'issue', '--name', 'plain-reader', '--user', '', '--team', ' ');
    expect(await storedKey('plain-reader')).toMatchObject({ role: 'user', userName: null, teamName: null });
    await sluice('keys', 'update', 'finance', '--role', 'metrics');
    expect((await storedKey('finance'))?.role).toBe('metrics');
    await expect(sluice('keys', 'issue', '--name', 'bad-role', '--role', 'owner')).rejects.toThrow(/owner/);
    await expect(sluice('keys', 'issue', '--name', 'both', '--admin', '--role', 'metrics')).rejects.toThrow(/contradicts/);
    printed = [];
    await sluice('keys', 'list');
    expect(printed.join('')).toMatch(/ROLE/);
    expect(printed.join('')).toMatch(/finance.*metrics/);
  });
});

describe('--default-model', () => {
  it('keys issue stores it; keys update keeps it unless given; "" clears it', async () => {
    await sluice('keys', 'issue', '--name', 'defaulted', '--default-model', 'fast', '--rpm', '5');
    expect(await storedKey('defaulted')).toMatchObject({ defaultModel: 'fast', limits: { requestsPerMinute: 5 } });
    await sluice('keys', 'update', 'defaulted', '--rpm', '6', '--models', 'fast,mini');
    expect(await storedKey('defaulted')).toMatchObject({ defaultModel: 'fast', limits: { requestsPerMinute: 6 }, allowedModels: ['fast', 'mini'] });
    await sluice('keys', 'update', 'defaulted', '--default-model', ' mini ');
    expect(await storedKey('defaulted')).toMatchObject({ defaultModel: 'mini', limits: { requestsPerMinute: 6 } });
    expect(printed.join('')).toContain('default model mini');
    await sluice('keys', 'update', 'defaulted', '--default-model', '');
    expect(await storedKey('defaulted')).toMatchObject({ defaultModel: null, limits: { requestsPerMinute: 6 } });
  });

  it('a key issued without it has none, and keys list shows it', async () => {
    await sluice('keys', 'issue', '--name', 'plain');
    expect(await storedKey('plain')).toMatchObject({ defaultModel: null });
    await sluice('keys', 'issue', '--name', 'listed', '--default-model', 'coder');
    printed = [];
    await sluice('keys', 'list');
    const header = printed.join('').split('\n')[0]!;
    expect(header).toContain('DEFAULT MODEL');
    expect(printed.join('')).toMatch(/listed .*coder/);
  });

  it('teams set stores it; limit and --models changes keep it; "" clears it', async () => {
    await sluice('teams', 'set', 'platform', '--default-model', 'fast');
    expect(await storedTeam('platform')).toMatchObject({ defaultModel: 'fast', allowedModels: null });
    await sluice('teams', 'set', 'platform', '--rpm', '7');
    await sluice('teams', 'set', 'platform', '--models', 'anthropic:*');
    expect(await storedTeam('platform')).toMatchObject({ defaultModel: 'fast', limits: { requestsPerMinute: 7 }, allowedModels: ['anthropic:*'] });
    await sluice('teams', 'set', 'platform', '--default-model', '');
    expect(await storedTeam('platform')).toMatchObject({ defaultModel: null, limits: { requestsPerMinute: 7 }, allowedModels: ['anthropic:*'] });
  });

  it('is not a flag of users set', async () => {
    await expect(sluice('users', 'set', 'grace', '--default-model', 'fast')).rejects.toThrow(/unknown option '--default-model'/);
  });
});

describe('--queue-ms', () => {
  const storedLimits = async (kind: 'key' | 'user' | 'team', name: string) =>
    kind === 'key' ? (await storedKey(name))?.limits : (await readStore(async (store) => (await store.listPrincipals(kind)).find((principal) => principal.name === name)))?.limits;

  it.each([
    { kind: 'key' as const, create: ['keys', 'issue', '--name'], change: ['keys', 'update'] },
    { kind: 'user' as const, create: ['users', 'set'], change: ['users', 'set'] },
    { kind: 'team' as const, create: ['teams', 'set'], change: ['teams', 'set'] },
  ])('is stored on a $kind beside --concurrency and kept by changes that do not give it', async ({ kind, create, change }) => {
    const name = `queue-${kind}`;
    await sluice(...create, name, '--concurrency', '2', '--queue-ms', '3000');
    expect(await storedLimits(kind, name)).toEqual({ concurrentRequests: 2, queueMs: 3_000 });
    await sluice(...change, name, '--rpm', '5');
    expect(await storedLimits(kind, name)).toEqual({ concurrentRequests: 2, queueMs: 3_000, requestsPerMinute: 5 });
    expect(printed.join('')).toContain('5 rpm, 2 at once, queue 3000 ms');
    await sluice(...change, name, '--queue-ms', '0');
    expect(await storedLimits(kind, name)).toEqual({ concurrentRequests: 2, queueMs: 0, requestsPerMinute: 5 });
  });

  it('refuses more than ten minutes, or what is not a whole number', async () => {
    await expect(sluice('keys', 'issue', '--name', 'too-long', '--concurrency', '1', '--queue-ms', '600001')).rejects.toThrow(/--queue-ms: at most 600000/);
    await expect(sluice('keys', 'issue', '--name', 'not-a-number', '--concurrency', '1', '--queue-ms', '2s')).rejects.toThrow(/--queue-ms: expected a whole number/);
    expect(await storedKey('too-long')).toBeUndefined();
  });
});
