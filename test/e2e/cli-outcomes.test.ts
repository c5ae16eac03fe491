import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';

/** `sluice outcomes record|import` and `sluice keys issue --run` as an operator runs them, against the SQLite store. */
const cli = join(process.cwd(), 'dist/src/cli/main.js');
let dataDir = '';

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'sluice-cli-outcomes-'));
});
afterAll(async () => {
  await rm(dataDir, { recursive: true, force: true });
});

function sluice(...args: string[]) {
  const env: NodeJS.ProcessEnv = { ...process.env, SLUICE_DATA_DIR: dataDir };
  for (const name of ['SLUICE_CONFIG', 'DATABASE_URL', 'REDIS_URL']) delete env[name];
  return spawnSync(process.execPath, [cli, ...args], { env, encoding: 'utf8' });
}

async function readStore<T>(read: (store: SqliteStore) => Promise<T>): Promise<T> {
  const store = new SqliteStore(join(dataDir, 'sluice.db'));
  try {
    return await read(store);
  } finally {
    await store.close();
  }
}

describe('sluice outcomes', () => {
  it('record writes one outcome, and a second record of the trial replaces it', async () => {
    const first = sluice('outcomes', 'record', '--run', 'nightly', '--trial', 't1', '--reward', '0.5', '--task', 'fizzbuzz', '--metadata', '{"agent":"codex"}');
    expect(first.stderr).toBe('');
    expect(first.status).toBe(0);
    expect(first.stdout).toBe('Recorded run nightly trial t1: reward 0.5, failed\n');
    const second = sluice('outcomes', 'record', '--run', 'nightly', '--trial', 't1', '--reward', '1', '--passed');
    expect(second.stdout).toBe('Replaced run nightly trial t1: reward 1, passed\n');
    expect(await readStore((store) => store.listOutcomes('nightly'))).toMatchObject([{ trial: 't1', reward: 1, passed: true, task: null, metadata: null }]);
  });

  it('record refuses a reward outside 0..1, a bad label and metadata that is not an object', () => {
    for (const args of [
      ['--run', 'r', '--trial', 't', '--reward', '2'],
      ['--run', 'has space', '--trial', 't', '--reward', '1'],
      ['--run', 'r', '--trial', 't', '--reward', '1', '--metadata', '[1]'],
    ]) {
      const refused = sluice('outcomes', 'record', ...args);
      expect(refused.status, args.join(' ')).not.toBe(0);
      expect(refused.stderr.length).toBeGreaterThan(0);
    }
  });

  it('import reads a JSON-lines file, all checked before any is written', async () => {
    const file = join(dataDir, 'results.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify({ run: 'lines', trial: 'a', reward: 1, passed: true, task: 'sort' }),
        '',
        JSON.stringify({ trial: 'b', reward: 0, passed: false }),
        JSON.stringify({ run: 'lines', trial: 'c', reward: 0.25, passed: false, metadata: { seed: 7 } }),
      ].join('\n'),
    );
    const imported = sluice('outcomes', 'import', file, '--run', 'lines');
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toBe('Imported 3 outcomes: 3 created, 0 replaced\n');
    expect((await readStore((store) => store.listOutcomes('lines'))).map(({ trial, reward, passed }) => ({ trial, reward, passed }))).toEqual([
      { trial: 'a', reward: 1, passed: true },
      { trial: 'b', reward: 0, passed: false },
      { trial: 'c', reward: 0.25, passed: false },
    ]);
    expect(sluice('outcomes', 'import', file, '--run', 'lines').stdout).toBe('Imported 3 outcomes: 0 created, 3 replaced\n');

    const bad = join(dataDir, 'bad.jsonl');
    await writeFile(bad, `${JSON.stringify({ run: 'never', trial: 'a', reward: 1, passed: true })}\n{"run":"never","trial":"b","reward":3,"passed":true}\n`);
    const refused = sluice('outcomes', 'import', bad);
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('line 2');
    expect(refused.stderr).toContain('reward');
    expect(await readStore((store) => store.listOutcomes('never'))).toEqual([]);
  });

  it('import --format harbor reads the trial result.json files of a Harbor job folder', async () => {
    const job = join(dataDir, 'jobs', '2026-12-06__12-00-00');
    const trial = async (name: string, result: Record<string, unknown>) => {
      await mkdir(join(job, name), { recursive: true });
      await writeFile(join(job, name, 'result.json'), JSON.stringify({ id: `uuid-${name}`, trial_name: name, trial_uri: `file://${name}`, ...result }));
    };
    // The job's own result.json has no trial_name and is skipped.
    await mkdir(job, { recursive: true });
    await writeFile(join(job, 'result.json'), JSON.stringify({ id: 'job', n_total_trials: 3, stats: {} }));
    await trial('hello-world__AbC', { task_name: 'hello-world', agent_info: { name: 'claude-code', version: '2', model_info: { name: 'sonnet', provider: 'anthropic' } }, verifier_result: { rewards: { reward: 1 } } });
    await trial('fix-bug__XyZ', { task_name: 'fix-bug', agent_info: { name: 'codex', version: '1' }, verifier_result: { rewards: { reward: 0 } } });
    await trial('crash__Q1', { task_name: 'crash', verifier_result: null, exception_info: { exception_type: 'AgentTimeoutError', exception_message: 'timed out' } });

    expect(sluice('outcomes', 'import', job, '--format', 'harbor').stderr).toContain('--run');
    const imported = sluice('outcomes', 'import', job, '--format', 'harbor', '--run', 'harbor-run');
    expect(imported.stderr).toBe('');
    expect(imported.stdout).toBe('Imported 3 outcomes: 3 created, 0 replaced\n');
    const outcomes = await readStore((store) => store.listOutcomes('harbor-run'));
    expect(outcomes.map(({ trial: name, task, reward, passed }) => ({ name, task, reward, passed }))).toEqual([
      { name: 'crash__Q1', task: 'crash', reward: 0, passed: false },
      { name: 'fix-bug__XyZ', task: 'fix-bug', reward: 0, passed: false },
      { name: 'hello-world__AbC', task: 'hello-world', reward: 1, passed: true },
    ]);
    expect(outcomes[2]!.metadata).toEqual({ source: 'harbor', harbor_trial_id: 'uuid-hello-world__AbC', agent: 'claude-code', model: 'sonnet' });
    expect(outcomes[0]!.metadata).toMatchObject({ exception: 'AgentTimeoutError' });
  });
});

describe('sluice keys --run', () => {
  it('issue stores the run on the key, update changes and clears it, a bad label is refused', async () => {
    const issued = sluice('keys', 'issue', '--name', 'agent', '--run', 'keyed');
    expect(issued.status).toBe(0);
    expect(issued.stdout).toMatch(/^sk-sluice-/);
    const run = async () => (await readStore((store) => store.listKeys())).find((key) => key.name === 'agent')!.run;
    expect(await run()).toBe('keyed');
    expect(sluice('keys', 'update', 'agent', '--run', 'other').status).toBe(0);
    expect(await run()).toBe('other');
    const listed = sluice('keys', 'list');
    expect(listed.stdout).toMatch(/\bRUN\b/);
    expect(listed.stdout.split('\n').find((line) => line.includes(' agent '))).toContain(' other ');
    expect(sluice('keys', 'update', 'agent', '--run', '').status).toBe(0);
    expect(await run()).toBeNull();
    const refused = sluice('keys', 'issue', '--name', 'bad', '--run', 'no spaces allowed');
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('--run');
  });
});
