#!/usr/bin/env node
// Runs coding agents on small tasks through Sluice, one evaluation run per model group, and compares the
// runs. For each task × agent × attempt × group: a fresh working directory with the task's files, the agent
// in headless mode with its calls labelled (x-sluice-run, x-sluice-trial), the task's test, and the
// outcome posted to POST /analytics/outcomes. Then `sluice compare`. See README.md beside this file.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { cp, mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));
const require = createRequire(import.meta.url);
const agentNames = ['claude-code', 'codex'];
const usage = `Usage: node run.mjs [options]

  --gateway <url>        Sluice's address (default: $SLUICE_URL, else http://127.0.0.1:8422)
  --groups <a,b>         the model groups to compare, the first is the baseline (default: coder,cheap-coder)
  --agents <list>        claude-code, codex (default: both)
  --tasks <list>         task folders under tasks/ (default: all)
  --attempts <n>         trials per task, agent and group (default: 1)
  --parallel <n>         trials run at once (default: 1; mind the providers' rate limits)
  --run-prefix <name>    runs are <name>-<group> (default: eval-<date>-<time>)
  --out <dir>            results, agent logs, compare.json, report.html (default: ./eval-output/<run-prefix>)
  --timeout <seconds>    longest an agent may work on one trial (default: 600)
  --sluice <command>     how to run the sluice CLI for \`sluice compare\` (default: this checkout's build, else sluice)
  --sluice-config <path> the gateway's sluice.yaml, so \`sluice compare\` reads its store
  --keep                 keep each trial's working directory

Environment: SLUICE_API_KEY (the key the agents call with), SLUICE_ADMIN_KEY (an admin or analytics key, to
post outcomes and read the comparison); CLAUDE_CODE_BIN and CODEX_BIN override where the agents are found.
`;

const { values: options } = parseArgs({
  options: {
    gateway: { type: 'string', default: process.env.SLUICE_URL ?? 'http://127.0.0.1:8422' },
    groups: { type: 'string', default: 'coder,cheap-coder' },
    agents: { type: 'string', default: agentNames.join(',') },
    tasks: { type: 'string' },
    attempts: { type: 'string', default: '1' },
    parallel: { type: 'string', default: '1' },
    'run-prefix': { type: 'string', default: `eval-${new Date().toISOString().slice(0, 16).replace(/[-:]/g, '').replace('T', '-')}` },
    out: { type: 'string' },
    timeout: { type: 'string', default: '600' },
    sluice: { type: 'string' },
    'sluice-config': { type: 'string' },
    keep: { type: 'boolean', default: false },
    help: { type: 'boolean', default: false },
  },
});
if (options.help) {
  process.stdout.write(usage);
  process.exit(0);
}

const gateway = options.gateway.replace(/\/+$/, '');
const agentKey = requiredEnvironment('SLUICE_API_KEY');
const adminKey = requiredEnvironment('SLUICE_ADMIN_KEY');
const groups = list(options.groups);
const agents = list(options.agents);
for (const agent of agents) if (!agentNames.includes(agent)) fail(`unknown agent '${agent}' (known: ${agentNames.join(', ')})`);
const taskNames = options.tasks ? list(options.tasks) : (await readdir(join(here, 'tasks'), { withFileTypes: true })).filter((entry) => entry.isDirectory()).map((entry) => entry.name).sort();
const attempts = positiveInteger(options.attempts, '--attempts');
const parallel = positiveInteger(options.parallel, '--parallel');
const timeoutMs = positiveInteger(options.timeout, '--timeout') * 1000;
const prefix = options['run-prefix'];
const runs = groups.map((group) => `${prefix}-${group}`);
// Sluice's rule for run and trial ids: 1-128 of letters, digits and . _ : / @ + -
for (const run of runs) if (!/^[A-Za-z0-9._:/@+-]{1,128}$/.test(run)) fail(`'${run}' is not a valid run id: use letters, digits and . _ : / @ + -`);
if (groups.length < 2 || groups.length > 5) fail('--groups takes 2 to 5 groups (sluice compare compares 2 to 5 runs)');
const out = options.out ?? join(process.cwd(), 'eval-output', prefix);
await mkdir(join(out, 'logs'), { recursive: true });

const tasks = await Promise.all(taskNames.map(readTask));
process.stdout.write(`Sluice ${gateway}: ${agents.join(', ')} × ${tasks.length} tasks × ${attempts} attempt(s), runs ${runs.join(', ')}\n`);

// Groups interleaved, so both see the same conditions (provider load, time of day) at about the same time.
const plan = tasks.flatMap((task) =>
  agents.flatMap((agent) =>
    Array.from({ length: attempts }, (_, index) => index + 1).flatMap((attempt) => groups.map((group, index) => ({ task, agent, attempt, group, run: runs[index] }))),
  ),
);
const results = [];
let next = 0;
// `--parallel` workers take the next trial of the plan until none is left.
await Promise.all(
  Array.from({ length: Math.min(parallel, plan.length) }, async () => {
    while (next < plan.length) {
      const result = await runTrial(plan[next++]);
      results.push(result);
      process.stdout.write(
        `  ${result.run.padEnd(28)} ${result.trial.padEnd(32)} ${result.passed ? 'pass' : 'FAIL'}  reward ${result.reward.toFixed(2)}  ${result.seconds.toFixed(1)} s${result.agentExitCode === 0 ? '' : `  (agent ${result.agentSignal ? `stopped by ${result.agentSignal}` : `exit ${result.agentExitCode}`})`}\n`,
      );
    }
  }),
);
await writeFile(join(out, 'results.jsonl'), results.map((result) => JSON.stringify(result)).join('\n') + '\n');
for (const run of runs) {
  const mine = results.filter((result) => result.run === run);
  const byAgent = agents.map((agent) => `${agent} ${mine.filter((result) => result.agent === agent && result.passed).length}/${mine.filter((result) => result.agent === agent).length}`);
  process.stdout.write(`${run}: ${mine.filter((result) => result.passed).length}/${mine.length} passed (${byAgent.join(', ')})\n`);
}

const report = await settledComparison();
await writeFile(join(out, 'compare.json'), JSON.stringify(report, null, 2) + '\n');
process.stdout.write(`\n`);
const compared = await sluiceCompare([...runs, '--html', join(out, 'report.html')]);
if (compared.exitCode === 0) process.stdout.write(compared.stdout);
else {
  process.stdout.write(
    `(\`sluice compare\` could not read the gateway's store: ${compared.stderr.trim() || `exit ${compared.exitCode}`}.\n` +
      ` Run it where the gateway's sluice.yaml is, or read ${join(out, 'compare.json')}, the same report from GET /analytics/compare.)\n`,
  );
}
process.stdout.write(`\nResults in ${out}: results.jsonl, compare.json${compared.exitCode === 0 ? ', report.html' : ''}, logs/\n`);

async function readTask(name) {
  const directory = join(here, 'tasks', name);
  if (!existsSync(join(directory, 'prompt.md'))) fail(`tasks/${name}: no prompt.md`);
  const files = join(directory, 'files');
  const tests = (await readdir(files)).filter((file) => /\.test\.[cm]?js$/.test(file));
  if (tests.length === 0) fail(`tasks/${name}/files: no *.test.mjs`);
  return { name, prompt: (await readFile(join(directory, 'prompt.md'), 'utf8')).trim(), files, tests };
}

async function runTrial({ task, agent, attempt, group, run }) {
  const trial = `${agent}:${task.name}:${attempt}`;
  const workdir = await mkdtemp(join(tmpdir(), `eval-${task.name}-`));
  const home = await mkdtemp(join(tmpdir(), 'eval-agent-home-'));
  const started = performance.now();
  try {
    await cp(task.files, workdir, { recursive: true });
    const labels = { run, trial };
    const agentRun = agent === 'claude-code' ? await runClaudeCode(task.prompt, group, labels, workdir, home) : await runCodex(task.prompt, group, labels, workdir, home);
    // A missing agent is a broken setup, not a failed trial: stop before any outcome says otherwise.
    if (agentRun.startError) fail(`cannot start ${agent}: ${agentRun.startError.message} (see --help for CLAUDE_CODE_BIN and CODEX_BIN)`);
    const seconds = (performance.now() - started) / 1000;
    await writeFile(join(out, 'logs', `${run}--${trial.replaceAll(':', '-')}.log`), `$ ${agent} (exit ${agentRun.exitCode})\n${agentRun.stdout}\n--- stderr ---\n${agentRun.stderr}`);
    const verdict = await verify(task, workdir);
    const outcome = {
      run,
      trial,
      reward: verdict.reward,
      passed: verdict.passed,
      task: task.name,
      metadata: { agent, group, attempt, agent_exit_code: agentRun.exitCode, agent_signal: agentRun.signal, agent_seconds: Math.round(seconds * 10) / 10, tests: verdict.counts },
    };
    await postOutcome(outcome);
    return { run, trial, group, agent, task: task.name, attempt, passed: verdict.passed, reward: verdict.reward, seconds, agentExitCode: agentRun.exitCode, agentSignal: agentRun.signal };
  } finally {
    await rm(home, { recursive: true, force: true });
    if (!options.keep) await rm(workdir, { recursive: true, force: true });
  }
}

/** Claude Code, headless: `-p`, the group as its model (side calls too), labels in ANTHROPIC_CUSTOM_HEADERS. */
function runClaudeCode(prompt, group, labels, workdir, home) {
  const env = {
    PATH: process.env.PATH,
    HOME: home,
    TERM: 'dumb',
    ANTHROPIC_BASE_URL: gateway,
    ANTHROPIC_API_KEY: agentKey,
    ANTHROPIC_CUSTOM_HEADERS: `x-sluice-run: ${labels.run}\nx-sluice-trial: ${labels.trial}`,
    ANTHROPIC_DEFAULT_HAIKU_MODEL: group,
    ANTHROPIC_SMALL_FAST_MODEL: group,
    DISABLE_AUTOUPDATER: '1',
    DISABLE_TELEMETRY: '1',
    CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
  };
  // Edits in the working directory and `node …` commands (the tests) run without asking.
  const args = ['-p', prompt, '--model', group, '--permission-mode', 'acceptEdits', '--allowedTools', 'Bash(node:*)'];
  const [command, ...prefixArgs] = claudeCodeCommand();
  return runProcess(command, [...prefixArgs, ...args], env, workdir, timeoutMs);
}

/** Codex CLI, headless: `exec`, a provider for Sluice in its config.toml with the labels as http_headers. */
async function runCodex(prompt, group, labels, workdir, home) {
  const codexHome = join(home, '.codex');
  await mkdir(codexHome, { recursive: true });
  const toml = (value) => JSON.stringify(value);
  await writeFile(
    join(codexHome, 'config.toml'),
    [
      `model = ${toml(group)}`,
      'model_provider = "sluice"',
      '',
      '[model_providers.sluice]',
      'name = "Sluice"',
      `base_url = ${toml(`${gateway}/v1`)}`,
      'env_key = "SLUICE_API_KEY"',
      'wire_api = "responses"',
      `http_headers = { "x-sluice-run" = ${toml(labels.run)}, "x-sluice-trial" = ${toml(labels.trial)} }`,
      '',
    ].join('\n'),
  );
  const env = { PATH: process.env.PATH, HOME: home, CODEX_HOME: codexHome, SLUICE_API_KEY: agentKey };
  const [command, ...prefixArgs] = codexCommand();
  // workspace-write: Codex may write in the working directory and run commands there, sandboxed.
  return runProcess(command, [...prefixArgs, 'exec', '--skip-git-repo-check', '--sandbox', 'workspace-write', prompt], env, workdir, timeoutMs);
}

/** The task's own tests, restored first (an agent may have edited them), run with node's test runner. */
async function verify(task, workdir) {
  for (const test of task.tests) await cp(join(task.files, test), join(workdir, test));
  const result = await runProcess(process.execPath, ['--test', '--test-reporter=tap', ...task.tests], { PATH: process.env.PATH }, workdir, 120_000);
  const count = (name) => Number(new RegExp(`^# ${name} (\\d+)$`, 'm').exec(result.stdout)?.[1] ?? 0);
  const counts = { pass: count('pass'), fail: count('fail') };
  const total = counts.pass + counts.fail;
  return { passed: result.exitCode === 0, reward: total === 0 ? 0 : counts.pass / total, counts };
}

async function postOutcome(outcome) {
  const response = await fetch(`${gateway}/analytics/outcomes`, {
    method: 'POST',
    headers: { authorization: `Bearer ${adminKey}`, 'content-type': 'application/json' },
    body: JSON.stringify(outcome),
  });
  if (!response.ok) fail(`POST /analytics/outcomes answered ${response.status}: ${await response.text()}`);
}

/**
 * GET /analytics/compare once the runs' calls have all been written: the gateway writes usage rows in
 * batches (every 200 ms by default), so the last trial's calls can land just after its outcome. The report
 * is read until two reads a second apart count the same calls.
 */
async function settledComparison() {
  const read = async () => {
    const response = await fetch(`${gateway}/analytics/compare?runs=${runs.map(encodeURIComponent).join(',')}`, { headers: { authorization: `Bearer ${adminKey}` } });
    if (!response.ok) fail(`GET /analytics/compare answered ${response.status}: ${await response.text()}`);
    return response.json();
  };
  const callsOf = (report) => report.runs.map((entry) => entry.calls).join(',');
  let report = await read();
  for (let reads = 0; reads < 30; reads++) {
    await new Promise((resolve) => setTimeout(resolve, 1000));
    const next = await read();
    if (callsOf(next) === callsOf(report)) return next;
    report = next;
  }
  return report;
}

function sluiceCompare(args) {
  const [command, ...prefixArgs] = options.sluice ? options.sluice.split(' ').filter(Boolean) : defaultSluiceCommand();
  const configArgs = options['sluice-config'] ? ['--config', options['sluice-config']] : [];
  return runProcess(command, [...prefixArgs, 'compare', ...args, ...configArgs], process.env, process.cwd(), 60_000);
}

/** This checkout's build when there is one (npm run build), else `sluice` on the PATH. */
function defaultSluiceCommand() {
  const built = join(here, '..', '..', 'dist', 'src', 'cli', 'main.js');
  return existsSync(built) ? [process.execPath, built] : ['sluice'];
}

/** CLAUDE_CODE_BIN, else the native binary of this checkout's dev dependency, else `claude` on the PATH. */
function claudeCodeCommand() {
  if (process.env.CLAUDE_CODE_BIN) return [process.env.CLAUDE_CODE_BIN];
  const installed = resolvePackage(`@anthropic-ai/claude-code-${process.platform}-${process.arch}/package.json`);
  return installed ? [join(dirname(installed), 'claude')] : ['claude'];
}

/** CODEX_BIN, else this checkout's dev dependency, else `codex` on the PATH. */
function codexCommand() {
  if (process.env.CODEX_BIN) return [process.env.CODEX_BIN];
  const installed = resolvePackage('@openai/codex/package.json');
  return installed ? [process.execPath, join(dirname(installed), 'bin', 'codex.js')] : ['codex'];
}

function resolvePackage(path) {
  try {
    return require.resolve(path);
  } catch {
    return undefined;
  }
}

/** Runs a command to its end (stdin closed: Codex would wait for more prompt on an open one). */
function runProcess(command, args, env, cwd, timeout) {
  return new Promise((resolve) => {
    const child = spawn(command, args, { env, cwd, stdio: ['ignore', 'pipe', 'pipe'], timeout });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    // A command that cannot start (not installed) emits `error`; a timeout ends in `close` with its signal.
    child.on('error', (error) => resolve({ exitCode: null, signal: null, stdout, stderr, startError: error }));
    child.on('close', (exitCode, signal) => resolve({ exitCode, signal, stdout, stderr }));
  });
}

function list(text) {
  return text.split(',').map((item) => item.trim()).filter(Boolean);
}

function positiveInteger(text, flag) {
  const number = Number(text);
  if (!Number.isInteger(number) || number < 1) fail(`${flag} takes a whole number from 1`);
  return number;
}

function requiredEnvironment(name) {
  const value = process.env[name];
  if (!value) fail(`${name} is not set (see --help)`);
  return value;
}

function fail(message) {
  process.stderr.write(`run.mjs: ${message}\n`);
  process.exit(1);
}
