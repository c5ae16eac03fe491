import { spawnSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { keysCommand } from '../../src/cli/keys-command.js';
import { principalsCommand } from '../../src/cli/principals-command.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import type { KeyRecord } from '../../src/domain/key-record.js';
import type { LimitSettings } from '../../src/domain/limits.js';
import type { PrincipalRecord } from '../../src/domain/principal-record.js';

/**
 * Every limit flag of `keys update`, `users set` and `teams set` changes only its own setting: set them all,
 * change one, and every other stays as stored (issue 8, item 10: `--budget` alone used to turn a daily
 * budget into a monthly one). Driven through the commands themselves against a temporary SQLite store.
 */

let directory: string;
let configPath: string;

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-limit-flags-'));
  configPath = join(directory, 'sluice.yaml');
  await writeFile(configPath, `dataDir: ${directory}\n`);
});
afterAll(() => rm(directory, { recursive: true, force: true }));

beforeEach(() => {
  // The commands read the environment like the real CLI; keep them on this test's SQLite file.
  vi.stubEnv('DATABASE_URL', '');
  vi.stubEnv('REDIS_URL', '');
  vi.stubEnv('SLUICE_DATA_DIR', '');
  vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
});
afterEach(() => {
  vi.unstubAllEnvs();
  vi.restoreAllMocks();
});

type Kind = 'key' | 'user' | 'team';

/** Runs `sluice <args> --config <this test's config>` in process. */
async function sluice(...args: string[]): Promise<void> {
  const [group, ...rest] = args;
  const command = group === 'keys' ? keysCommand() : principalsCommand(group === 'users' ? 'user' : 'team');
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
const storedPrincipal = (kind: 'user' | 'team', name: string) => readStore(async (store) => (await store.listPrincipals(kind)).find((principal) => principal.name === name));

async function storedLimits(kind: Kind, name: string): Promise<LimitSettings | undefined> {
  return kind === 'key' ? (await storedKey(name))?.limits : (await storedPrincipal(kind, name))?.limits;
}

/** `keys issue --name N …` or `users|teams set N …`, the first time. */
const create = (kind: Kind, name: string, flags: string[]) => (kind === 'key' ? sluice('keys', 'issue', '--name', name, ...flags) : sluice(`${kind}s`, 'set', name, ...flags));
/** `keys update N …` or `users|teams set N …`, afterwards. */
const change = (kind: Kind, name: string, flags: string[]) => (kind === 'key' ? sluice('keys', 'update', name, ...flags) : sluice(`${kind}s`, 'set', name, ...flags));

const everyLimitFlag = [
  ...['--rpm', '10', '--tpm', '1000', '--concurrency', '3', '--budget', '0.02', '--soft-budget', '0.01', '--budget-period', 'day'],
  ...['--timeout-first-byte-ms', '10000', '--timeout-total-ms', '120000'],
];
const everyLimit: LimitSettings = {
  requestsPerMinute: 10,
  tokensPerMinute: 1000,
  concurrentRequests: 3,
  budget: { period: 'day', hardUsd: 0.02, softUsd: 0.01 },
  timeouts: { firstByteMs: 10_000, totalMs: 120_000 },
};

/** One flag at a time, and what the stored settings must be afterwards: only that setting differs. */
const singleFlagChanges: Array<{ flag: string; value: string; expected: LimitSettings }> = [
  { flag: '--rpm', value: '0', expected: { ...everyLimit, requestsPerMinute: 0 } },
  { flag: '--tpm', value: '2500', expected: { ...everyLimit, tokensPerMinute: 2500 } },
  { flag: '--concurrency', value: '7', expected: { ...everyLimit, concurrentRequests: 7 } },
  { flag: '--budget', value: '0.03', expected: { ...everyLimit, budget: { period: 'day', hardUsd: 0.03, softUsd: 0.01 } } },
  { flag: '--soft-budget', value: '0.015', expected: { ...everyLimit, budget: { period: 'day', hardUsd: 0.02, softUsd: 0.015 } } },
  { flag: '--budget-period', value: 'week', expected: { ...everyLimit, budget: { period: 'week', hardUsd: 0.02, softUsd: 0.01 } } },
  { flag: '--timeout-first-byte-ms', value: '0', expected: { ...everyLimit, timeouts: { firstByteMs: 0, totalMs: 120_000 } } },
  { flag: '--timeout-idle-ms', value: '30000', expected: { ...everyLimit, timeouts: { firstByteMs: 10_000, idleMs: 30_000, totalMs: 120_000 } } },
  { flag: '--timeout-total-ms', value: '600000', expected: { ...everyLimit, timeouts: { firstByteMs: 10_000, totalMs: 600_000 } } },
];

describe.each(['key', 'user', 'team'] as const)('limit flags on a %s: flags not given keep their value', (kind) => {
  it.each(singleFlagChanges)('$flag $value changes only that setting', async ({ flag, value, expected }) => {
    const name = `${kind}-${flag.slice(2)}`;
    await create(kind, name, everyLimitFlag);
    expect(await storedLimits(kind, name)).toEqual(everyLimit);
    await change(kind, name, [flag, value]);
    expect(await storedLimits(kind, name)).toEqual(expected);
  });

  it('a change with no flag at all keeps every setting', async () => {
    const name = `${kind}-no-flags`;
    await create(kind, name, everyLimitFlag);
    await change(kind, name, []);
    expect(await storedLimits(kind, name)).toEqual(everyLimit);
  });

  it('a first budget without --budget-period is monthly; --budget-period alone with no budget is refused', async () => {
    const name = `${kind}-first-budget`;
    await create(kind, name, ['--rpm', '5']);
    await expect(change(kind, name, ['--budget-period', 'day'])).rejects.toThrow(/--budget-period: there is no budget to apply it to/);
    expect(await storedLimits(kind, name)).toEqual({ requestsPerMinute: 5 });
    await change(kind, name, ['--soft-budget', '2']);
    expect(await storedLimits(kind, name)).toEqual({ requestsPerMinute: 5, budget: { period: 'month', softUsd: 2 } });
  });
});

describe('the other flags of keys update and teams set keep their value too', () => {
  it('keys update: --user, --team and --models change only themselves, and limit flags leave them alone', async () => {
    await sluice('keys', 'issue', '--name', 'owned', '--user', 'grace', '--team', 'platform', '--models', 'haiku,openai:*', ...everyLimitFlag);
    const expected: Partial<KeyRecord> = { userName: 'grace', teamName: 'platform', allowedModels: ['haiku', 'openai:*'], limits: everyLimit };
    expect(await storedKey('owned')).toMatchObject(expected);
    await sluice('keys', 'update', 'owned', '--rpm', '11');
    expect(await storedKey('owned')).toMatchObject({ ...expected, limits: { ...everyLimit, requestsPerMinute: 11 } });
    await sluice('keys', 'update', 'owned', '--user', 'ada');
    expect(await storedKey('owned')).toMatchObject({ ...expected, userName: 'ada', limits: { ...everyLimit, requestsPerMinute: 11 } });
    await sluice('keys', 'update', 'owned', '--team', '');
    expect(await storedKey('owned')).toMatchObject({ ...expected, userName: 'ada', teamName: null, limits: { ...everyLimit, requestsPerMinute: 11 } });
    await sluice('keys', 'update', 'owned', '--models', '');
    expect(await storedKey('owned')).toMatchObject({ userName: 'ada', teamName: null, allowedModels: null, limits: { ...everyLimit, requestsPerMinute: 11 } });
  });

  it('teams set: limit flags keep the allow-list, and --models keeps the limits', async () => {
    await sluice('teams', 'set', 'listed', '--models', 'anthropic:*', ...everyLimitFlag);
    await sluice('teams', 'set', 'listed', '--budget', '0.5');
    const expected: Partial<PrincipalRecord> = { allowedModels: ['anthropic:*'], limits: { ...everyLimit, budget: { period: 'day', hardUsd: 0.5, softUsd: 0.01 } } };
    expect(await storedPrincipal('team', 'listed')).toMatchObject(expected);
    await sluice('teams', 'set', 'listed', '--models', 'gpt-4.1');
    expect(await storedPrincipal('team', 'listed')).toMatchObject({ ...expected, allowedModels: ['gpt-4.1'] });
  });
});

describe('the built CLI', () => {
  it('sluice keys update b --budget 0.03 keeps a daily budget daily', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_DATA_DIR: directory };
    for (const name of ['DATABASE_URL', 'REDIS_URL', 'SLUICE_CONFIG']) delete env[name];
    const run = (...args: string[]) => spawnSync(process.execPath, [join(process.cwd(), 'dist/src/cli/main.js'), ...args], { env, encoding: 'utf8' });
    expect(run('keys', 'issue', '--name', 'b', '--budget', '0.02', '--budget-period', 'day').status).toBe(0);
    const updated = run('keys', 'update', 'b', '--budget', '0.03');
    expect(updated.status).toBe(0);
    expect(updated.stdout).toContain('$0.03/day');
    const listed = JSON.parse(run('keys', 'list', '--json').stdout) as KeyRecord[];
    expect(listed.find((key) => key.name === 'b')?.limits).toEqual({ budget: { period: 'day', hardUsd: 0.03 } });
  });
});
