import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const distDirectory = join(import.meta.dirname, '..');
const children: ChildProcess[] = [];

export interface RunningProcess {
  url: string;
  pid: number;
}

/** Starts a node script and waits for the `listening <url>` (or banner) line it prints. */
function startNode(script: string, args: string[], pattern: RegExp, env: NodeJS.ProcessEnv = process.env): Promise<RunningProcess> {
  const child = spawn(process.execPath, [script, ...args], { env, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  return new Promise((resolve, reject) => {
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const match = pattern.exec(output);
      if (match?.[1]) resolve({ url: match[1], pid: child.pid! });
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${output}`)));
  });
}

export function startUpstream(): Promise<RunningProcess> {
  return startNode(join(distDirectory, 'bench/upstream-process.js'), [], /listening (\S+)/);
}

export function startBareProxy(upstreamUrl: string): Promise<RunningProcess> {
  return startNode(join(distDirectory, 'bench/bare-proxy.js'), [upstreamUrl], /listening (\S+)/);
}

/**
 * Sluice as users run it (`sluice serve`), auth, limits and usage logging on, every provider on the fake
 * upstream. The bench key's per-minute cap is set out of reach (the 100 rpm default would refuse a load
 * test), so the rate limiter still counts every request.
 */
export async function startSluice(upstreamUrl: string): Promise<RunningProcess & { token: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'sluice-bench-'));
  process.on('exit', () => rmSync(dataDir, { recursive: true, force: true }));
  const configPath = join(dataDir, 'sluice.yaml');
  writeFileSync(
    configPath,
    [
      `dataDir: ${dataDir}`,
      'server: { host: 127.0.0.1, port: 0 }',
      'mock: off',
      'logLevel: warn',
      'providers:',
      `  openai: { baseUrl: "${upstreamUrl}/v1", apiKey: bench-openai-key }`,
      `  anthropic: { baseUrl: "${upstreamUrl}/v1", apiKey: bench-anthropic-key }`,
      '',
    ].join('\n'),
  );
  const cli = join(distDirectory, 'src/cli/main.js');
  const issued = spawnSync(process.execPath, [cli, 'keys', 'issue', '--name', 'bench', '--rpm', '1000000000', '--config', configPath], { encoding: 'utf8' });
  if (issued.status !== 0) throw new Error(`could not issue a key: ${issued.stderr}`);
  const running = await startNode(cli, ['serve', '--config', configPath], /listening on (\S+)/);
  return { ...running, token: issued.stdout.trim() };
}

/** Resident memory of a process in MiB, from /proc. */
export function residentMemoryMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kilobytes = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
  return Math.round((kilobytes / 1024) * 10) / 10;
}

export function stopAll(): void {
  for (const child of children) if (child.exitCode === null) child.kill('SIGTERM');
}
process.on('exit', stopAll);
