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

/** `sluice serve` on a fresh data directory with no provider keys; its stdout and stderr kept apart. */
async function serve(configText = ''): Promise<{ url: string; token: string; stdout: () => string; stderr: () => string }> {
  const dataDir = await mkdtemp(join(tmpdir(), 'sluice-log-'));
  directories.push(dataDir);
  const configPath = join(dataDir, 'sluice.yaml');
  await writeFile(configPath, `dataDir: ${dataDir}\nserver:\n  port: 0\nusage:\n  flushIntervalMs: 50\n${configText}`);
  const env = { ...process.env };
  for (const name of ['ANTHROPIC_API_KEY', 'OPENAI_API_KEY', 'GEMINI_API_KEY', 'MISTRAL_API_KEY', 'XAI_API_KEY', 'SLUICE_CONFIG', 'REDIS_URL', 'DATABASE_URL']) delete env[name];
  const child = spawn(process.execPath, [cli, 'serve', '--config', configPath], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.push(child);
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  await eventually(() => stdout, (text) => text.includes('"messages"'), 15_000);
  return {
    url: /listening on (http:\/\/\S+)/.exec(stdout)![1]!,
    token: /sk-sluice-[0-9A-Za-z]+/.exec(stdout)![0],
    stdout: () => stdout,
    stderr: () => stderr,
  };
}

const secretPrompt = 'the launch code is 0000-TOP-SECRET';

function call(gateway: { url: string; token: string }, model: string): Promise<Response> {
  return fetch(`${gateway.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${gateway.token}`, 'content-type': 'application/json', 'x-sluice-user': 'alice' },
    body: JSON.stringify({ model, messages: [{ role: 'user', content: secretPrompt }] }),
  });
}

describe('the request log of sluice serve', () => {
  it('writes one JSON line per model call on stderr when stderr is not a terminal, with no prompt, answer or key', async () => {
    const gateway = await serve();
    // The banner's quickstart uses the short name, answered by the mock.
    expect(gateway.stdout()).toContain('"model":"haiku"');
    expect((await call(gateway, 'haiku')).status).toBe(200);
    expect((await call(gateway, 'no-such-model')).status).toBe(404);
    const lines = await eventually(
      () => gateway.stderr().split('\n').filter((line) => line.includes('"model call"')),
      (found) => found.length === 2,
    );
    const [served, refused] = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    expect(served).toMatchObject({ msg: 'model call', key: 'first-key', requester: 'alice', shape: 'openai-chat', model: 'haiku', target: 'mock:claude-haiku-4-5', status: 200, attempts: 1 });
    expect(served!.inputTokens).toBeGreaterThan(0);
    expect(served!.latencyMs).toBeGreaterThan(0);
    expect(refused).toMatchObject({ model: 'no-such-model', target: null, status: 404, error: 'model_not_found' });
    expect(gateway.stderr()).not.toContain('TOP-SECRET');
    expect(gateway.stderr()).not.toContain('Hello from the Sluice mock');
    expect(gateway.stderr()).not.toContain(gateway.token);
  });

  it('writes none with log.requests: false', async () => {
    const gateway = await serve('log:\n  requests: false\n');
    expect((await call(gateway, 'haiku')).status).toBe(200);
    // The row is stored (the line would have been written with it) before looking.
    await eventually(
      async () => (await fetch(`${gateway.url}/v1/usage`, { headers: { authorization: `Bearer ${gateway.token}` } }).then((response) => response.json())) as { requests?: number },
      (usage) => JSON.stringify(usage).includes('"requests":1'),
    );
    expect(gateway.stderr()).not.toContain('model call');
  });
});
