import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CompareRunsThread, defaultMaximumWaitingCompares } from '../../src/analytics/compare-runs-thread.js';
import { compareRuns } from '../../src/analytics/compare-runs.js';
import { GatewayError } from '../../src/errors/gateway-error.js';
import type { StoreLocation } from '../../src/store/open-store.js';
import { SqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { testUsageRow } from '../helpers/usage-rows.js';

/**
 * The compare thread against a real SQLite file: the report is the in-process one, refusals come back as
 * the API's errors, compares run one at a time with at most four waiting, a waiting compare whose caller
 * left is dropped, closing refuses what waits, and a thread that dies is replaced.
 */
let directory = '';
let location: StoreLocation;
let store: SqliteStore;
const threads: CompareRunsThread[] = [];

function thread(options: Partial<ConstructorParameters<typeof CompareRunsThread>[0]> = {}): CompareRunsThread {
  const made = new CompareRunsThread({ store: location, queryTimeoutMs: 5_000, ...options });
  threads.push(made);
  return made;
}

beforeAll(async () => {
  directory = await mkdtemp(join(tmpdir(), 'sluice-compare-thread-'));
  location = { kind: 'sqlite', path: join(directory, 'sluice.db') };
  store = new SqliteStore(location.path);
  const now = Date.now();
  await store.recordUsage(
    Array.from({ length: 60 }, (_, index) =>
      testUsageRow(`01THREAD${String(index).padStart(4, '0')}`, {
        createdAt: now - 60_000 + index,
        runId: index % 2 === 0 ? 'base' : 'next',
        trialId: `t${index % 10}`,
        costUsd: 0.001 * (1 + (index % 4)),
        latencyMs: 300 + index * 10,
      }),
    ),
  );
  await store.recordOutcomes(
    ['base', 'next'].flatMap((run) => Array.from({ length: 10 }, (_, trial) => ({ run, trial: `t${trial}`, reward: trial % 2, passed: trial % 2 === 1, task: null, metadata: null, recordedAt: now }))),
  );
});

afterAll(async () => {
  await Promise.all(threads.map((made) => made.close()));
  store.close();
  await rm(directory, { recursive: true, force: true });
});

describe('CompareRunsThread', () => {
  it('answers what compareRuns answers in process, and the API refusals as GatewayErrors', async () => {
    const comparer = thread();
    expect(await comparer.compare(['base', 'next'])).toEqual(await compareRuns(store, ['base', 'next']));
    const refused = await comparer.compare(['base', 'typo']).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(GatewayError);
    expect(refused).toMatchObject({ code: 'run_not_found', status: 404, param: 'runs', message: "No calls or outcomes for run 'typo'." });
  });

  it('builds one compare at a time, lets four wait and refuses the next with 503 compare_busy', async () => {
    const comparer = thread();
    const accepted = Array.from({ length: 1 + defaultMaximumWaitingCompares }, () => comparer.compare(['base', 'next']));
    const refused = await comparer.compare(['base', 'next']).catch((error: unknown) => error);
    expect(refused).toMatchObject({ code: 'compare_busy', status: 503, retryable: true, headers: { 'retry-after': '2' } });
    const reports = await Promise.all(accepted);
    for (const report of reports) expect(report).toEqual(reports[0]);
    // Once they are done, the thread takes compares again.
    expect((await comparer.compare(['next', 'base'])).runs.map((run) => run.run)).toEqual(['next', 'base']);
  });

  it('drops a waiting compare whose caller went away, and answers the others', async () => {
    const comparer = thread();
    const first = comparer.compare(['base', 'next']);
    const leaving = new AbortController();
    const abandoned = comparer.compare(['base', 'next'], leaving.signal);
    const third = comparer.compare(['next', 'base']);
    leaving.abort();
    await expect(abandoned).rejects.toMatchObject({ code: 'client_closed_request' });
    expect((await first).runs[0]!.run).toBe('base');
    expect((await third).runs[0]!.run).toBe('next');
    await expect(comparer.compare(['base', 'next'], AbortSignal.abort())).rejects.toMatchObject({ code: 'client_closed_request' });
  });

  it('on close, finishes the compare under way, refuses those waiting and any later one', async () => {
    const comparer = thread();
    const running = comparer.compare(['base', 'next']);
    const waiting = comparer.compare(['base', 'next']);
    const closed = comparer.close();
    await expect(waiting).rejects.toMatchObject({ code: 'shutting_down' });
    expect((await running).object).toBe('analytics.compare');
    await closed;
    await expect(comparer.compare(['base', 'next'])).rejects.toMatchObject({ code: 'shutting_down' });
  });

  it('fails the compare a dying thread held, and starts a new thread for the next', async () => {
    // A stand-in thread that ends itself on its first compare (leaving a mark), and answers once the mark is there.
    const script = join(directory, 'dying-compare-worker.mjs');
    const mark = join(directory, 'died-once');
    await writeFile(
      script,
      `import { existsSync, writeFileSync } from 'node:fs';
       import { parentPort, workerData } from 'node:worker_threads';
       parentPort.on('message', (message) => {
         if (message.kind === 'stop') return parentPort.close();
         if (!existsSync(workerData.store.path)) { writeFileSync(workerData.store.path, ''); process.exit(3); }
         parentPort.postMessage({ id: message.id, ok: true, report: { object: 'analytics.compare', runs: message.runs } });
       });`,
    );
    const comparer = thread({ store: { kind: 'sqlite', path: mark }, workerScript: pathToFileURL(script) });
    const held = comparer.compare(['base', 'next']);
    const next = comparer.compare(['next', 'base']);
    await expect(held).rejects.toThrow('the compare thread exited with code 3');
    expect(await next).toEqual({ object: 'analytics.compare', runs: ['next', 'base'] });
  });
});
