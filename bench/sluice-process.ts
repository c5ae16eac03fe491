import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { distDirectory, startNode, type RunningProcess } from './processes.js';

const cli = join(distDirectory, 'src/cli/main.js');

export interface RunningSluice extends RunningProcess {
  token: string;
  configPath: string;
}

/**
 * Sluice as users run it (`sluice serve`): auth, limits and usage logging on, every provider on the fake
 * upstream. The bench key's per-minute cap is set out of reach (the 100 rpm default would refuse a load
 * test), so the rate limiter still counts every request without ever refusing one.
 */
export async function startSluice(upstreamUrl: string): Promise<RunningSluice> {
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
  const token = runCli(['keys', 'issue', '--name', 'bench', '--rpm', '1000000000', '--config', configPath]).trim();
  const running = await startNode(cli, ['serve', '--config', configPath], /listening on (\S+)/);
  return { ...running, token, configPath };
}

/** Usage rows Sluice wrote in the last hour (run after it stopped, so every queued row is flushed). */
export function countUsageRows(sluice: RunningSluice): number {
  const summary = JSON.parse(runCli(['usage', '--window', '1h', '--by', 'key', '--json', '--config', sluice.configPath])) as { requests: number }[];
  return summary.reduce((total, row) => total + row.requests, 0);
}

function runCli(args: string[]): string {
  const result = spawnSync(process.execPath, [cli, ...args], { encoding: 'utf8' });
  if (result.status !== 0) throw new Error(`sluice ${args.slice(0, 2).join(' ')} failed: ${result.stderr}`);
  return result.stdout;
}
