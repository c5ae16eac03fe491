import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

export interface AgentRun {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  elapsedMs: number;
}

/**
 * Runs a command without blocking the event loop: the gateway under test lives in this same process.
 */
function run(command: string, args: string[], env: NodeJS.ProcessEnv, cwd: string, timeoutMs: number): Promise<AgentRun> {
  const started = performance.now();
  return new Promise((resolve) => {
    // stdin closed: Codex reads extra prompt text from a piped stdin and would wait for it forever.
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout: timeoutMs });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (exitCode) => resolve({ exitCode, stdout, stderr, elapsedMs: performance.now() - started }));
  });
}

/** A clean environment: no real provider keys, a private home, no update checks or telemetry. */
async function isolatedEnvironment(extra: Record<string, string>): Promise<{ env: NodeJS.ProcessEnv; home: string }> {
  const home = await mkdtemp(join(tmpdir(), 'sluice-agent-'));
  const env: NodeJS.ProcessEnv = { PATH: process.env.PATH, HOME: home, TERM: 'dumb', ...extra };
  return { env, home };
}

/**
 * Claude Code's native binary for this machine. The npm package's own `claude` launcher is put in place by
 * a postinstall step; the platform package holds the same binary, so no install script is needed.
 */
function claudeBinary(): string {
  const platformPackage = `@anthropic-ai/claude-code-${process.platform}-${process.arch}`;
  return join(dirname(require.resolve(`${platformPackage}/package.json`)), 'claude');
}

export async function runClaudeCode(options: { baseUrl: string; apiKey: string; prompt: string; model?: string; timeoutMs?: number }): Promise<AgentRun> {
  const { env, home } = await isolatedEnvironment({
    ANTHROPIC_BASE_URL: options.baseUrl,
    ANTHROPIC_API_KEY: options.apiKey,
    DISABLE_AUTOUPDATER: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    DISABLE_TELEMETRY: '1',
  });
  const args = ['-p', options.prompt, ...(options.model ? ['--model', options.model] : [])];
  return run(claudeBinary(), args, env, home, options.timeoutMs ?? 90_000);
}

export async function runCodex(options: { baseUrl: string; apiKey: string; prompt: string; model: string; timeoutMs?: number }): Promise<AgentRun> {
  const { env, home } = await isolatedEnvironment({ SLUICE_API_KEY: options.apiKey });
  const codexHome = join(home, '.codex');
  env.CODEX_HOME = codexHome;
  await import('node:fs/promises').then((fs) => fs.mkdir(codexHome, { recursive: true }));
  await writeFile(
    join(codexHome, 'config.toml'),
    [
      `model = "${options.model}"`,
      'model_provider = "sluice"',
      '',
      '[model_providers.sluice]',
      'name = "Sluice"',
      `base_url = "${options.baseUrl}/v1"`,
      'env_key = "SLUICE_API_KEY"',
      'wire_api = "responses"',
      '',
    ].join('\n'),
  );
  const codex = join(dirname(require.resolve('@openai/codex/package.json')), 'bin/codex.js');
  return run(process.execPath, [codex, 'exec', '--skip-git-repo-check', options.prompt], env, home, options.timeoutMs ?? 90_000);
}
