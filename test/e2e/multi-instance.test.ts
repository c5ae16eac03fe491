import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createTestDatabase } from '../helpers/postgres-backend.js';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSqliteDriver } from '../../src/store/sqlite/load-sqlite-driver.js';

/** The SQLite driver the gateway itself runs on with this Node, to read its database file. */
const Database = loadSqliteDriver();

/**
 * Several `sluice serve` processes sharing one store and one Redis, as behind a load balancer. Uses the
 * machine's real Redis (REDIS_URL); without it the suite skips and says why.
 */
const cli = join(process.cwd(), 'dist/src/cli/main.js');
const redisUrl = process.env.REDIS_URL;
const children: ChildProcess[] = [];
let dataDir = '';
let configPath = '';
/**
 * A model group with a budget of its own. Its ledger account in Redis is named after the group, and Redis
 * outlives the run: a fresh name per run, so no earlier run's spend is counted.
 */
const budgetedGroup = `budgeted-${randomUUID().slice(0, 8)}`;
/** A group without a budget of its own, in which one key gets a share (`--group-budget`). */
const sharedGroup = `shared-${randomUUID().slice(0, 8)}`;
/** PostgreSQL when the machine has it (as in production), else the shared SQLite file. */
let database: Awaited<ReturnType<typeof createTestDatabase>> | undefined;

function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const name of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'MISTRAL_API_KEY', 'XAI_API_KEY', 'SLUICE_CONFIG', 'DATABASE_URL', 'REDIS_URL']) delete env[name];
  return { ...env, ...extra };
}

function serve(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn(process.execPath, [cli, 'serve', '--config', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const url = /listening on (http:\/\/\S+)/.exec(output)?.[1];
      if (url) resolve({ child, url });
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}

function cliRun(args: string[]): string {
  const result = spawnSync(process.execPath, [cli, ...args, '--config', configPath], { env: cleanEnv({}), encoding: 'utf8' });
  if (result.status !== 0) throw new Error(result.stderr);
  return result.stdout.trim();
}

const call = (url: string, token: string, content = 'hello', model = 'mock-echo') =>
  fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, max_tokens: 10, messages: [{ role: 'user', content }] }),
  }).then(async (response) => {
    await response.arrayBuffer();
    return response.status;
  });

const keyIdOf = (name: string) => (JSON.parse(cliRun(['keys', 'list', '--json'])) as Array<{ id: string; name: string }>).find((key) => key.name === name)!.id;

describe.skipIf(!redisUrl)(`two instances sharing PostgreSQL (or SQLite) and Redis${redisUrl ? '' : ' (skipped: REDIS_URL is not set)'}`, () => {
  let first: { child: ChildProcess; url: string };
  let second: { child: ChildProcess; url: string };

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'sluice-multi-'));
    configPath = join(dataDir, 'sluice.yaml');
    database = await createTestDatabase();
    if ('skipReason' in database) console.warn(`[multi-instance] sharing SQLite instead of PostgreSQL: ${database.skipReason}`);
    const databaseLine = 'url' in database ? `database: { url: "${database.url}" }` : '';
    await writeFile(
      configPath,
      [
        `dataDir: ${dataDir}`,
        databaseLine,
        'server: { port: 0 }',
        'logLevel: warn',
        'mock: on',
        // A loaded CI machine can keep Redis past the default 100 ms bound, and then each instance falls back
        // to its own share (what redis-outage tests): here the shared path is what is measured, so the bound is
        // wide enough that the fallback never stands in for it.
        'redis: { instances: 2, timeoutMs: 2000 }',
        'pricing:',
        '  "mock:mock-echo": { inputPerMillion: 1000, outputPerMillion: 1000 }',
        'groups:',
        `  ${budgetedGroup}: { budget: { period: month, hardUsd: 0.05 }, targets: [{ model: "mock:mock-echo" }] }`,
        `  ${sharedGroup}: { targets: [{ model: "mock:mock-echo" }] }`,
        '',
      ].join('\n'),
    );
    cliRun(['keys', 'issue', '--name', 'bootstrap']);
    const env = cleanEnv({ REDIS_URL: redisUrl! });
    [first, second] = await Promise.all([serve(env), serve(env)]);
  });

  afterAll(async () => {
    for (const child of children) if (child.exitCode === null) child.kill('SIGKILL');
    await rm(dataDir, { recursive: true, force: true });
    if (database && 'url' in database) await database.drop();
  });

  it('admits exactly 100 per minute for a 100-rpm key across both, from 50 concurrent clients', async () => {
    const redis = new Redis(redisUrl!);
    try {
      /**
       * Windows are minutes on Redis's own clock, which a test cannot move. Rather than wait for a fresh minute,
       * ask Redis which windows a burst was counted in: a burst that straddled a boundary (two windows) is run
       * again with a fresh key, and two bursts of a few seconds cannot both straddle one.
       */
      const burst = async (attempt: number) => {
        const name = `shared-rpm-${attempt}`;
        const token = cliRun(['keys', 'issue', '--name', name]);
        const statuses: number[] = [];
        await Promise.all(
          Array.from({ length: 50 }, async (_, client) => {
            for (let round = 0; round < 3; round++) statuses.push(await call(client % 2 === 0 ? first.url : second.url, token));
          }),
        );
        const windows = await redis.keys(`sluice:limits:requests:key:${keyIdOf(name)}:*`);
        return { statuses, windows };
      };
      let outcome = await burst(0);
      if (outcome.windows.length > 1) outcome = await burst(1);
      expect(outcome.windows).toHaveLength(1);
      expect(Number(await redis.get(outcome.windows[0]!))).toBe(100);
      expect(outcome.statuses.filter((status) => status === 200)).toHaveLength(100);
      expect(outcome.statuses.filter((status) => status === 429)).toHaveLength(50);
    } finally {
      redis.disconnect();
    }
  });

  it('overspends a nearly spent budget by at most one request\'s maximum cost, with no reservation left', async () => {
    // Each call costs about $0.02 at $1 per 1k tokens (tiny prompt, ~10 output tokens); max cost ~ $0.013.
    const token = cliRun(['keys', 'issue', '--name', 'shared-budget', '--rpm', '0', '--budget', '0.05']);
    const keyId = keyIdOf('shared-budget');
    // Redis is shared with whatever else ran on this machine (a process killed mid-call leaves a reservation
    // until its TTL): only reservations this burst made count.
    const probe = new Redis(redisUrl!);
    const reservationsBefore = new Set(await probe.keys('sluice:budget:reservation:*'));
    probe.disconnect();
    const statuses = await Promise.all(Array.from({ length: 100 }, (_, index) => call(index % 2 === 0 ? first.url : second.url, token, 'hi')));
    const served = statuses.filter((status) => status === 200).length;
    expect(served).toBeGreaterThan(0);
    expect(statuses.filter((status) => status === 429).length).toBe(100 - served);
    const redis = new Redis(redisUrl!);
    try {
      const reservations = (await redis.keys('sluice:budget:reservation:*')).filter((key) => !reservationsBefore.has(key));
      expect(reservations).toHaveLength(0);
      const [account] = await redis.keys(`sluice:budget:key:${keyId}:*`);
      const spentUsd = Number(await redis.get(account!)) / 1e9;
      expect(spentUsd).toBeLessThanOrEqual(0.05 + 0.02);
    } finally {
      redis.disconnect();
    }
  });

  it("holds a group's budget across both instances and every key of the group, with no reservation left", async () => {
    const tokens = [cliRun(['keys', 'issue', '--name', 'group-budget-a', '--rpm', '0']), cliRun(['keys', 'issue', '--name', 'group-budget-b', '--rpm', '0'])];
    const probe = new Redis(redisUrl!);
    const reservationsBefore = new Set(await probe.keys('sluice:budget:reservation:*'));
    probe.disconnect();
    const statuses = await Promise.all(
      Array.from({ length: 100 }, (_, index) => call(index % 2 === 0 ? first.url : second.url, tokens[index % 3 === 0 ? 0 : 1]!, 'hi', budgetedGroup)),
    );
    const served = statuses.filter((status) => status === 200).length;
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThan(10);
    expect(statuses.filter((status) => status === 429).length).toBe(100 - served);
    const redis = new Redis(redisUrl!);
    try {
      const reservations = (await redis.keys('sluice:budget:reservation:*')).filter((key) => !reservationsBefore.has(key));
      expect(reservations).toHaveLength(0);
      const accounts = await redis.keys(`sluice:budget:group:${budgetedGroup}:*`);
      expect(accounts).toHaveLength(1);
      const spentUsd = Number(await redis.get(accounts[0]!)) / 1e9;
      // At most one request's maximum cost over the cap (~$0.013 here), whichever instance and key it came from.
      expect(spentUsd).toBeGreaterThan(0);
      expect(spentUsd).toBeLessThanOrEqual(0.05 + 0.02);
    } finally {
      redis.disconnect();
    }
    // The refusal names the group, on either instance.
    const refused = await fetch(`${second.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens[0]}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: budgetedGroup, max_tokens: 10, messages: [{ role: 'user', content: 'hi' }] }),
    });
    expect(refused.status).toBe(429);
    expect(((await refused.json()) as { error: { message: string } }).error.message).toContain(`the group '${budgetedGroup}'`);
  });

  it("holds a key's share of a group, set with `keys update --group-budget`, across both instances", async () => {
    const token = cliRun(['keys', 'issue', '--name', 'group-share', '--rpm', '0']);
    expect(cliRun(['keys', 'update', 'group-share', '--group-budget', `${sharedGroup}=0.03`, '--group-budget', 'elsewhere=5'])).toContain(`in groups: ${sharedGroup} $0.03, elsewhere $5`);
    const keyId = keyIdOf('group-share');
    const statuses = await Promise.all(Array.from({ length: 60 }, (_, index) => call(index % 2 === 0 ? first.url : second.url, token, 'hi', sharedGroup)));
    const served = statuses.filter((status) => status === 200).length;
    expect(served).toBeGreaterThan(0);
    expect(served).toBeLessThan(10);
    expect(statuses.filter((status) => status === 429).length).toBe(60 - served);
    const redis = new Redis(redisUrl!);
    try {
      const accounts = await redis.keys(`sluice:budget:key_group:${keyId}:${sharedGroup}:*`);
      expect(accounts).toHaveLength(1);
      const spentUsd = Number(await redis.get(accounts[0]!)) / 1e9;
      expect(spentUsd).toBeLessThanOrEqual(0.03 + 0.02);
    } finally {
      redis.disconnect();
    }
    // The share binds this key in this group only: the same key elsewhere goes on.
    expect(await call(second.url, token)).toBe(200);
    // `=0` removes a share; the others stay.
    expect(cliRun(['keys', 'update', 'group-share', '--group-budget', 'elsewhere=0'])).not.toContain('elsewhere');
    const listed = JSON.parse(cliRun(['keys', 'list', '--json'])) as Array<{ name: string; limits: { groupBudgets?: Record<string, number> } }>;
    expect(listed.find((key) => key.name === 'group-share')!.limits.groupBudgets).toEqual({ [sharedGroup]: 0.03 });
  });

  it('refuses a key revoked on one instance everywhere within a second', async () => {
    const token = cliRun(['keys', 'issue', '--name', 'to-revoke', '--rpm', '0']);
    expect(await call(first.url, token)).toBe(200);
    expect(await call(second.url, token)).toBe(200);
    cliRun(['keys', 'revoke', 'to-revoke']);
    // Both refuse within a second of the revoke: the poll fails at its deadline otherwise.
    await Promise.all([first.url, second.url].map((url) => expect.poll(() => call(url, token), { timeout: 1_000, interval: 20 }).toBe(401)));
  });

  it('writes the rows of both instances into one table', async () => {
    const token = cliRun(['keys', 'issue', '--name', 'rows', '--rpm', '0']);
    await Promise.all([...Array.from({ length: 5 }, () => call(first.url, token)), ...Array.from({ length: 5 }, () => call(second.url, token))]);
    first.child.kill('SIGTERM');
    second.child.kill('SIGTERM');
    await Promise.all([first, second].map(({ child }) => new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve(null)))));
    const countQuery = "SELECT COUNT(*) AS count FROM usage_rows u JOIN gateway_keys k ON k.id = u.key_id WHERE k.name = 'rows'";
    if (database && 'url' in database) {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      expect(Number((await client.query<{ count: string }>(countQuery)).rows[0]!.count)).toBe(10);
      await client.end();
    } else {
      const sqlite = new Database(join(dataDir, 'sluice.db'), { readonly: true });
      expect((sqlite.prepare(countQuery).get() as { count: number }).count).toBe(10);
      sqlite.close();
    }
  });
});
