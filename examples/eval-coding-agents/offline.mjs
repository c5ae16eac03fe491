#!/usr/bin/env node
// The example with no provider keys: Sluice's fake upstream plays the models from fake-agent-model.yaml, a
// gateway from this checkout's build (npm run build) serves sluice.yaml in front of it, and run.mjs runs the
// agents through it. Options other than --data-dir go to run.mjs. CI runs this (test/e2e/eval-coding-agents-
// example.test.ts), and so does scripts/screenshot-compare-report.mjs.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { parse as parseYaml } from 'yaml';

const here = dirname(fileURLToPath(import.meta.url));
const built = join(here, '..', '..', 'dist', 'src');
if (!existsSync(join(built, 'cli', 'main.js'))) {
  process.stderr.write('offline.mjs: no build found; run `npm run build` in the repository first\n');
  process.exit(1);
}
const load = (path) => import(pathToFileURL(join(built, path)).href);
const { parseMockScript, startFakeUpstream } = await load('mock/fake-upstream.js');
const { loadConfig } = await load('config/load-config.js');
const { startGateway } = await load('server/start-gateway.js');
const { issueGatewayKey } = await load('keys/issue-gateway-key.js');

const args = process.argv.slice(2);
const dataDirIndex = args.indexOf('--data-dir');
const givenDataDir = dataDirIndex === -1 ? undefined : args.splice(dataDirIndex, 2)[1];
const dataDir = givenDataDir ?? (await mkdtemp(join(tmpdir(), 'sluice-eval-offline-')));

const script = parseMockScript(parseYaml(await readFile(join(here, 'fake-agent-model.yaml'), 'utf8')));
const upstream = await startFakeUpstream({ host: '127.0.0.1', port: 0, script });
// The provider keys only have to be there: the fake upstream checks that one is sent, not which.
const env = { EVAL_UPSTREAM: upstream.url, ANTHROPIC_API_KEY: 'sk-ant-offline', OPENAI_API_KEY: 'sk-openai-offline', SLUICE_HOST: '127.0.0.1', SLUICE_PORT: '0', SLUICE_DATA_DIR: dataDir };
const config = await loadConfig({ path: join(here, 'sluice.yaml'), env });
const gateway = await startGateway({ config: { ...config, logLevel: 'warn' }, env });

let exitCode = 1;
try {
  const { store } = gateway.services;
  const { token: agentKey } = await issueGatewayKey(store, { name: `eval-agents-${Date.now()}` });
  const { token: analyticsKey } = await issueGatewayKey(store, { name: `eval-analytics-${Date.now()}`, role: 'analytics' });
  const childEnv = { ...process.env, SLUICE_API_KEY: agentKey, SLUICE_ADMIN_KEY: analyticsKey, SLUICE_DATA_DIR: dataDir };
  // `sluice compare` must read this gateway's store, not one another config names.
  for (const name of ['SLUICE_CONFIG', 'SLUICE_DATABASE_URL', 'DATABASE_URL', 'SLUICE_REDIS_URL', 'REDIS_URL']) delete childEnv[name];
  const child = spawn(process.execPath, [join(here, 'run.mjs'), '--gateway', gateway.url, ...args], { env: childEnv, stdio: 'inherit' });
  exitCode = await new Promise((resolve) => child.on('close', (code) => resolve(code ?? 1)));
} finally {
  await gateway.close();
  await upstream.close();
  if (givenDataDir === undefined) await rm(dataDir, { recursive: true, force: true });
}
process.exit(exitCode);
