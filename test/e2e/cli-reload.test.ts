import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { eventually } from '../helpers/start-test-gateway.js';

const cli = join(process.cwd(), 'dist/src/cli/main.js');
const children: ChildProcess[] = [];
const directories: string[] = [];

afterEach(async () => {
  for (const child of children.splice(0)) if (child.exitCode === null) child.kill('SIGKILL');
  for (const directory of directories.splice(0)) await rm(directory, { recursive: true, force: true });
});

/** An environment with no provider keys, as on a fresh machine. */
function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env };
  for (const name of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'MISTRAL_API_KEY', 'XAI_API_KEY', 'SLUICE_CONFIG', 'REDIS_URL', 'DATABASE_URL', 'SLUICE_ADMIN_KEY', 'SLUICE_URL']) {
    delete env[name];
  }
  return { ...env, ...extra };
}

/** Starts `sluice serve`; `output()` is everything it printed so far (the banner, then JSON log lines). */
function serve(args: string[], env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; banner: string; output: () => string }> {
  const child = spawn(process.execPath, [cli, 'serve', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let output = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('"messages"')) resolve({ child, banner: output, output: () => output });
    });
    child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${output}`)));
  });
}

/** Runs a CLI command to its end. */
function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [cli, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise((resolve) => child.on('close', (status) => resolve({ status, stdout, stderr })));
}

describe('reloading a running sluice serve', () => {
  it('re-reads the config on SIGHUP and on `sluice reload`, and keeps it when the new one is refused', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'sluice-reload-'));
    directories.push(dataDir);
    const configPath = join(dataDir, 'sluice.yaml');
    const configWith = (aliases: Record<string, string>) =>
      writeFile(configPath, `dataDir: ${dataDir}\nserver:\n  port: 0\nmock: 'on'\naliases:\n${Object.entries(aliases).map(([name, model]) => `  ${name}: ${model}\n`).join('')}`);
    await configWith({ hello: 'mock-echo' });
    const { child, banner, output } = await serve(['--config', configPath], cleanEnv());
    const token = /sk-sluice-[0-9A-Za-z]+/.exec(banner)![0];
    const url = /listening on (http:\/\/\S+)/.exec(banner)![1]!;
    const statusOf = async (model: string) =>
      (
        await fetch(`${url}/v1/chat/completions`, {
          method: 'POST',
          headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
          body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
        })
      ).status;
    expect(await statusOf('hello')).toBe(200);
    expect(await statusOf('greeting')).toBe(404);

    // SIGHUP: the new alias is served once the process has re-read the file.
    await configWith({ hello: 'mock-echo', greeting: 'mock-echo' });
    child.kill('SIGHUP');
    await eventually(() => statusOf('greeting'), (status) => status === 200);
    // The log line was written before that answer, but this process may read the answer's socket before
    // the log's pipe: the two reach it on separate descriptors, in no fixed order.
    await eventually(() => output(), (text) => text.includes('config reloaded'));

    // A broken file on SIGHUP: logged, and the running config stays.
    await writeFile(configPath, 'aliases: [unclosed\n');
    child.kill('SIGHUP');
    await eventually(() => output(), (text) => text.includes('config reload refused'));
    expect(output()).toContain('not valid YAML');
    expect(await statusOf('greeting')).toBe(200);
    expect(child.exitCode).toBeNull();

    // `sluice reload` with the admin key from the environment.
    const env = cleanEnv({ SLUICE_ADMIN_KEY: token });
    await configWith({ hello: 'mock-echo', welcome: 'mock-echo' });
    const reloaded = await run(['reload', '--url', url], env);
    expect(reloaded).toEqual({ status: 0, stdout: 'reloaded: aliases changed\n', stderr: '' });
    expect(await statusOf('welcome')).toBe(200);
    expect(await statusOf('greeting')).toBe(404);

    await writeFile(configPath, `dataDir: ${dataDir}\nserver:\n  port: 0\nmock: 'on'\nlimits:\n  defaults:\n    key:\n      requestsPerMinut: 5\n`);
    const refused = await run(['reload', '--url', url], env);
    expect(refused.status).toBe(1);
    expect(refused.stderr).toContain('Config not reloaded');
    expect(refused.stderr).toContain('requestsPerMinut: unknown field');
    expect(await statusOf('welcome')).toBe(200);

    const withoutKey = await run(['reload', '--url', url], cleanEnv());
    expect(withoutKey.status).toBe(1);
    expect(withoutKey.stderr).toContain('SLUICE_ADMIN_KEY');
    child.kill('SIGTERM');
    await new Promise((resolve) => child.on('exit', resolve));
  });
});
