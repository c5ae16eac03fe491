import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadSqliteDriver } from '../../src/store/sqlite/load-sqlite-driver.js';

/** The SQLite driver the gateway itself runs on with this Node, to read its database file. */
const Database = loadSqliteDriver();

const cli = join(process.cwd(), 'dist/src/cli/main.js');
const children: ChildProcess[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

/** An environment with no provider keys, as on a fresh machine. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra };
  for (const name of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'MISTRAL_API_KEY', 'XAI_API_KEY', 'SLUICE_CONFIG', 'REDIS_URL', 'DATABASE_URL']) {
    delete env[name];
  }
  return env;
}

async function tempDirectory(): Promise<string> {
  const directory = await mkdtemp(join(tmpdir(), 'sluice-cli-'));
  directories.push(directory);
  return directory;
}

/**
 * Starts `sluice serve` and resolves with everything it printed up to the banner's curl example, and what it
 * has written to stderr so far (read it again later: it keeps growing).
 */
function serve(args: string[], env: NodeJS.ProcessEnv, pinnedTo?: string): Promise<{ child: ChildProcess; banner: string; stderr: () => string }> {
  const node = [process.execPath, cli, 'serve', ...args];
  // taskset sets the affinity and execs node: the child is node itself, every thread on the given cores.
  const [command, ...commandArgs] = pinnedTo === undefined ? node : ['taskset', '-c', pinnedTo, ...node];
  const child = spawn(command!, commandArgs, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let errors = '';
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"messages"')) resolve({ child, banner: output, stderr: () => errors });
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      errors += chunk.toString();
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}

const exited = (child: ChildProcess) => new Promise((resolve) => (child.exitCode === null ? child.on('exit', resolve) : resolve(child.exitCode)));

describe('sluice serve', () => {
  it('starts on a fresh machine with a mock provider, a first key and a curl that works', async () => {
    const dataDir = await tempDirectory();
    const { child, banner } = await serve(['--port', '0'], cleanEnv({ SLUICE_DATA_DIR: dataDir }));
    expect(banner).toContain(`Data directory: ${dataDir}`);
    const token = /sk-sluice-[0-9A-Za-z]+/.exec(banner)?.[0];
    expect(token).toBeDefined();
    const url = /listening on (http:\/\/\S+)/.exec(banner)?.[1];
    const body = /-d '([^']+)'/.exec(banner)?.[1];
    const response = await fetch(`${url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body,
    });
    expect(response.status).toBe(200);
    const completion = (await response.json()) as { choices: Array<{ message: { content: string } }> };
    expect(completion.choices[0]?.message.content).toContain('Hello');
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));

    // Second run: the key already exists, so no new one is printed.
    const second = await serve(['--port', '0'], cleanEnv({ SLUICE_DATA_DIR: dataDir }));
    expect(second.banner).not.toMatch(/sk-sluice-[0-9A-Za-z]{20,}/);
    second.child.kill('SIGTERM');
  });

  it('reports the first admin key\'s id on stderr, never its token, and only on the first run', async () => {
    const dataDir = await tempDirectory();
    const first = await serve(['--port', '0'], cleanEnv({ SLUICE_DATA_DIR: dataDir }));
    const line = await vi.waitFor(() => {
      const match = /^First run: issued the admin key 'first-key' \(id (key_[0-9A-Z]{26})\); its token is shown once, on stdout\.$/m.exec(first.stderr());
      expect(match, first.stderr()).not.toBeNull();
      return match!;
    }, { timeout: 10_000 });
    const token = /sk-sluice-[0-9A-Za-z]+/.exec(first.banner)![0];
    expect(first.stderr()).not.toContain(token);
    expect(first.stderr()).not.toContain('sk-sluice-');
    first.child.kill('SIGTERM');
    await exited(first.child);
    // The id is the admin key the token on stdout belongs to.
    const database = new Database(join(dataDir, 'sluice.db'), { readonly: true });
    const keys = database.prepare('SELECT id, name, role, hint FROM gateway_keys').all() as Array<{ id: string; name: string; role: string; hint: string }>;
    database.close();
    expect(keys).toEqual([{ id: line[1], name: 'first-key', role: 'admin', hint: expect.any(String) }]);
    expect(token.endsWith(keys[0]!.hint.replace(/^.*…/, ''))).toBe(true);

    const second = await serve(['--port', '0'], cleanEnv({ SLUICE_DATA_DIR: dataDir }));
    second.child.kill('SIGTERM');
    expect(await exited(second.child)).toBe(0);
    expect(second.stderr()).not.toContain('First run');
    expect(second.stderr()).not.toContain(line[1]);
  });

  it('flushes every queued usage row on SIGTERM', async () => {
    const dataDir = await tempDirectory();
    const configPath = join(dataDir, 'sluice.yaml');
    // A flush interval far longer than the test, so only the shutdown flush can write the rows.
    await writeFile(configPath, `dataDir: ${dataDir}\nserver:\n  port: 0\nusage:\n  flushIntervalMs: 600000\n  batchSize: 100000\n`);
    const { child, banner } = await serve(['--config', configPath], cleanEnv());
    const token = /sk-sluice-[0-9A-Za-z]+/.exec(banner)![0];
    const url = /listening on (http:\/\/\S+)/.exec(banner)![1];
    const requests = Array.from({ length: 40 }, (_, index) =>
      fetch(`${url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': token, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'mock-echo', max_tokens: 32, messages: [{ role: 'user', content: `hello ${index}` }] }),
      }).then((response) => response.status),
    );
    expect(await Promise.all(requests)).toEqual(Array(40).fill(200));
    const database = new Database(join(dataDir, 'sluice.db'), { readonly: true });
    expect((database.prepare('SELECT COUNT(*) AS count FROM usage_rows').get() as { count: number }).count).toBe(0);
    database.close();
    child.kill('SIGTERM');
    const exitCode = await new Promise((resolve) => child.on('exit', resolve));
    expect(exitCode).toBe(0);
    const after = new Database(join(dataDir, 'sluice.db'), { readonly: true });
    expect((after.prepare('SELECT COUNT(*) AS count FROM usage_rows WHERE status_code = 200').get() as { count: number }).count).toBe(40);
    after.close();
  });

  const tasksetWorks = spawnSync('taskset', ['-c', '0', 'true']).status === 0;
  it('on one core marks the heap on the event loop, and serves through many collections', async (context) => {
    if (!tasksetWorks) context.skip('taskset (util-linux) is not on this machine: the gateway cannot be pinned to one core');
    const dataDir = await tempDirectory();
    const configPath = join(dataDir, 'sluice.yaml');
    await writeFile(configPath, `dataDir: ${dataDir}\nserver:\n  port: 0\nlogLevel: info\n`);
    const { child, banner, stderr } = await serve(['--config', configPath], cleanEnv(), '0');
    await vi.waitFor(() => expect(banner + stderr()).toContain('concurrent marking off'));
    const token = /sk-sluice-[0-9A-Za-z]+/.exec(banner)![0];
    const url = /listening on (http:\/\/\S+)/.exec(banner)![1];
    // ~50 MB of request bodies in 25 calls (the first key's default rate limit is not the point here): young
    // and old generation collections run with the flag set at run time.
    const filler = 'x'.repeat(2_000_000);
    for (let round = 0; round < 5; round++) {
      const statuses = await Promise.all(
        Array.from({ length: 5 }, (_, index) =>
          fetch(`${url}/v1/chat/completions`, {
            method: 'POST',
            headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
            body: JSON.stringify({ model: 'mock-echo', messages: [{ role: 'user', content: `${round}.${index} ${filler}` }] }),
          }).then(async (response) => (await response.arrayBuffer(), response.status)),
        ),
      );
      expect(statuses).toEqual(Array(5).fill(200));
    }
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
  });

  it('keeps V8\'s concurrent marking where the process has more than one core', async () => {
    const dataDir = await tempDirectory();
    const configPath = join(dataDir, 'sluice.yaml');
    await writeFile(configPath, `dataDir: ${dataDir}\nserver:\n  port: 0\nlogLevel: info\n`);
    const { child, banner, stderr } = await serve(['--config', configPath], cleanEnv(), tasksetWorks ? '0,1' : undefined);
    child.kill('SIGTERM');
    expect(await exited(child)).toBe(0);
    // On a one-core machine the gateway is right to turn it off; the check is for the machines that have two.
    if (availableParallelism() > 1) expect(banner + stderr()).not.toContain('concurrent marking off');
  });

  it('fails at start with a message naming the bad config field', async () => {
    const dataDir = await tempDirectory();
    const configPath = join(dataDir, 'bad.yaml');
    await writeFile(configPath, `server:\n  port: "eighty"\nprovider:\n  openai: {}\n`);
    const result = spawnSync(process.execPath, [cli, 'serve', '--config', configPath], { env: cleanEnv(), encoding: 'utf8' });
    expect(result.status).toBe(1);
    expect(result.stderr).toContain('server.port');
    expect(result.stderr).toContain('provider: unknown field');
  });
});

describe('sluice keys, providers and usage', () => {
  it('issues, lists and revokes keys, stores provider keys encrypted and prints usage', async () => {
    const dataDir = await tempDirectory();
    const env = cleanEnv({ SLUICE_DATA_DIR: dataDir });
    const run = (args: string[], input?: string) => spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8', input });

    const issued = run(['keys', 'issue', '--name', 'ci', '--user', 'grace', '--team', 'platform', '--models', 'haiku,openai:*']);
    expect(issued.status).toBe(0);
    const token = issued.stdout.trim();
    expect(token).toMatch(/^sk-sluice-/);
    const listed = run(['keys', 'list']);
    expect(listed.stdout).toContain('ci');
    expect(listed.stdout).toContain('grace');
    expect(listed.stdout).not.toContain(token);
    expect(run(['keys', 'issue', '--name', 'ci']).stderr).toContain('already exists');

    const secret = 'sk-ant-stored-provider-key-42';
    expect(run(['providers', 'set-key', 'anthropic'], `${secret}\n`).status).toBe(0);
    const database = new Database(join(dataDir, 'sluice.db'), { readonly: true });
    const stored = database.prepare('SELECT sealed_key FROM provider_keys').get() as { sealed_key: string };
    database.close();
    expect(stored.sealed_key).not.toContain(secret);
    expect(run(['providers', 'list']).stdout).toMatch(/anthropic.*stored \(encrypted\)/);

    expect(run(['keys', 'revoke', 'ci']).stdout).toContain('Revoked');
    expect(run(['keys', 'list']).stdout).toContain('revoked');
    const usage = run(['usage', '--window', '7d', '--by', 'team']);
    expect(usage.status).toBe(0);
    expect(usage.stdout).toContain('CALLS');
    expect(run(['usage', '--window', 'forever']).stderr).toContain('--window');
    expect(run(['--help']).stdout).toContain('mock-upstream');
  });
});
