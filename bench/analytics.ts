import { writeBenchSection } from './benchmarks-file.js';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseConfig } from '../src/config/load-config.js';
import { issueGatewayKey } from '../src/keys/issue-gateway-key.js';
import { startGateway } from '../src/server/start-gateway.js';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import { generateRow, mulberry32 } from './analytics-rows.js';
import { measureCompactionWait, type CompactionWait } from './compaction-wait.js';
import { log } from './log.js';
import { oneCoreRequested } from './one-core-plan.js';

/**
 * The analytics benchmark (issue 10): `BENCH_ANALYTICS_ROWS` (default 5,000,000) generated usage rows over
 * 30 days, written through the real `recordUsage` in batches of 500 (the writer's largest) into two fresh
 * SQLite files, one keeping rollups and one not, batch by batch in alternation so both see the same
 * machine load. Then the writer in steady state on the loaded files: the next day of the same timeline
 * (so compaction runs as hours and the day pass) in batches of 500, then the next in 50, then 1 — 1 is
 * the batch the writer forms at this data set's rate (5M rows over 30 days is ~2 rows a second; it
 * flushes every 200 ms). The timeline ends now, so the reports' 30 days end with the steady days.
 * Last, p95 over 50 runs of two 30-day reports over HTTP (`app.inject`) on the file with rollups.
 * Writes its section of BENCHMARKS.md. `BENCH_ANALYTICS_DAYS` (default 30) spreads the rows over fewer days: 500,000
 * rows over 3 days is the 5M data set's traffic per minute (what the writer figures depend on) in a tenth of the time.
 */
const rowCount = Number(process.env.BENCH_ANALYTICS_ROWS ?? 5_000_000);
/** Over how many days the rows are spread: fewer rows over fewer days keep the same traffic per minute. */
const days = Number(process.env.BENCH_ANALYTICS_DAYS ?? 30);
const batchSize = 500;
const steadyBatchSizes = [500, 50, 1];
/**
 * Rows per steady-state run: one day of the timeline, so each run compacts 24 hours and one day, as the
 * writer does every day. (Runs of a fixed 20,000 or 70,000 rows compacted a day or not depending on the
 * hour the bench started, and a day's compaction is a few hundred milliseconds: it moved a run's figure by
 * up to 60 points.)
 */
const steadyRows = Math.round(rowCount / days);
const totalRows = rowCount + steadyBatchSizes.length * steadyRows;
/** The load covers `days`, each steady run one more day, up to now. */
const timelineDays = (days * totalRows) / rowCount;
const queryRuns = 50;
const hourMs = 3_600_000;
/** Issue 10's targets: the writer's overhead, and a report's p95; issue 20's for the Routing view's reads. */
const targets = { p95Ms: 50, routingP95Ms: 100, writerOverhead: 0.25 };

function percentile(values: readonly number[], quantile: number): number {
  const sorted = [...values].sort((left, right) => left - right);
  return sorted[Math.min(sorted.length - 1, Math.ceil(quantile * sorted.length) - 1)]!;
}

async function main(): Promise<void> {
  // BENCH_ANALYTICS_DIR keeps the two files (in that directory) for a closer look.
  const kept = process.env.BENCH_ANALYTICS_DIR;
  const directory = kept ?? (await mkdtemp(join(tmpdir(), 'sluice-bench-analytics-')));
  try {
    const dataDir = join(directory, 'gateway');
    // As the gateway's usage writer opens it: compaction is the rollup compactor's, on a connection of its
    // own (its own page cache, as in the gateway, where it also has a thread of its own), timed apart below.
    const withRollups = new SqliteStore(join(dataDir, 'sluice.db'), { compactWithBatches: false });
    const compactor = new SqliteStore(join(dataDir, 'sluice.db'), { compactWithBatches: false });
    const withoutRollups = new SqliteStore(join(directory, 'plain', 'sluice.db'), { rollups: false });
    const end = Date.now();
    const random = mulberry32(10);
    const started = performance.now();
    let compactedHour = 0;
    /** Rows `[from, from + count)` of the timeline into both files, `size` at a time, timing each store's `recordUsage`. */
    const write = async (from: number, count: number, size: number): Promise<WriterFigures> => {
      let rollupMs = 0;
      let plainMs = 0;
      let compactionMs = 0;
      // CPU time too: the wall time includes waiting for the disk (the fsyncs of WAL checkpoints), which
      // varies from run to run by more than the difference being measured.
      let rollupCpuMicros = 0;
      let plainCpuMicros = 0;
      for (let written = 0; written < count; written += size) {
        const batch = Array.from({ length: Math.min(size, count - written) }, (_unused, offset) => generateRow(random, from + written + offset, totalRows, end, timelineDays));
        // Alternating which goes first, so neither always writes into a warmer cache.
        const order = (written / size) % 2 === 0 ? [true, false] : [false, true];
        for (const rollups of order) {
          const cpuBefore = process.cpuUsage();
          const before = performance.now();
          await (rollups ? withRollups : withoutRollups).recordUsage(batch);
          const elapsed = performance.now() - before;
          const cpu = process.cpuUsage(cpuBefore);
          if (rollups) {
            rollupMs += elapsed;
            rollupCpuMicros += cpu.user + cpu.system;
          } else {
            plainMs += elapsed;
            plainCpuMicros += cpu.user + cpu.system;
          }
        }
        // What the compactor's thread does in the gateway, here on this one, once a batch reaches an hour
        // past the last pass (before that there is nothing to compact).
        const latestHour = Math.floor(batch.at(-1)!.createdAt / hourMs);
        if (latestHour > compactedHour) {
          compactedHour = latestHour;
          const before = performance.now();
          await compactor.compactRollups();
          compactionMs += performance.now() - before;
        }
        if (size === batchSize && written > 0 && written % 500_000 === 0) log(`analytics: ${written.toLocaleString('en')} rows written (${((performance.now() - started) / 1000).toFixed(0)} s)`);
      }
      const figures = {
        batchRows: size,
        rows: count,
        plainRowsPerSecond: count / (plainMs / 1000),
        rollupRowsPerSecond: count / (rollupMs / 1000),
        overhead: rollupMs / plainMs - 1,
        cpuOverhead: rollupCpuMicros / plainCpuMicros - 1,
        compactionMicrosPerRow: (compactionMs * 1000) / count,
        overheadWithCompaction: (rollupMs + compactionMs) / plainMs - 1,
      };
      log(
        `analytics: ${count.toLocaleString('en')} rows in batches of ${size}: ${figures.plainRowsPerSecond.toFixed(0)} rows/s without rollups, ${figures.rollupRowsPerSecond.toFixed(0)} with (+${(figures.overhead * 100).toFixed(1)}%, CPU +${(figures.cpuOverhead * 100).toFixed(1)}%); compaction ${figures.compactionMicrosPerRow.toFixed(1)} µs a row (+${(figures.overheadWithCompaction * 100).toFixed(1)}% with it)`,
      );
      return figures;
    };
    const load = await write(0, rowCount, batchSize);
    const steady: WriterFigures[] = [];
    for (const [index, size] of steadyBatchSizes.entries()) steady.push(await write(rowCount + index * steadyRows, steadyRows, size));
    await withRollups.close();
    await compactor.close();
    await withoutRollups.close();

    const config = parseConfig({ server: { host: '127.0.0.1', port: 0 }, dataDir, mock: 'off', logLevel: 'silent', usage: { retainDays: 0, retainRollupDays: 0 } }, {});
    const gateway = await startGateway({ config, env: {} });
    const { token } = await issueGatewayKey(gateway.services.store, { name: 'bench-analytics', role: 'analytics' });
    await gateway.services.keyView.reload();
    // The Routing view's two reads (its report, and a group's calls per target) on its default window and on
    // 30 days (the window the dashboard's Routing view asks for); issue 20 asks ≤ 100 ms p95 of them.
    const queries = [
      { path: '/analytics/cost?window=30d&group_by=model', targetMs: targets.p95Ms },
      { path: '/analytics/by_team?window=30d', targetMs: targets.p95Ms },
      { path: '/analytics/routing?window=24h', targetMs: targets.routingP95Ms },
      { path: '/analytics/timeseries?window=24h&metric=calls&group_by=target&group=big-coder&bucket=1h', targetMs: targets.routingP95Ms },
      { path: '/analytics/routing?window=30d', targetMs: targets.routingP95Ms },
      { path: '/analytics/timeseries?window=30d&metric=calls&group_by=target&group=big-coder&bucket=1d', targetMs: targets.routingP95Ms },
    ];
    const results: QueryFigures[] = [];
    for (const { path, targetMs } of queries) {
      const times: number[] = [];
      for (let run = -5; run < queryRuns; run++) {
        const before = performance.now();
        const response = await gateway.app.inject({ method: 'GET', url: path, headers: { authorization: `Bearer ${token}` } });
        const elapsed = performance.now() - before;
        if (response.statusCode !== 200) throw new Error(`${path} answered ${response.statusCode}: ${response.body}`);
        if (run >= 0) times.push(elapsed);
      }
      results.push({ path, targetMs, p50: percentile(times, 0.5), p95: percentile(times, 0.95), max: Math.max(...times) });
      log(`analytics: ${path} p50 ${percentile(times, 0.5).toFixed(1)} ms, p95 ${percentile(times, 0.95).toFixed(1)} ms`);
    }
    await gateway.close();
    log('analytics: usage batches while a day is compacted');
    const waits = await measureCompactionWait(directory, steadyRows, (index, createdAt) => ({ ...generateRow(random, index, totalRows, end, timelineDays), id: `01WAIT${String(index).padStart(12, '0')}`, createdAt }));
    for (const wait of waits) log(`analytics: compaction ${wait.mode}: ${wait.compactionMs.toFixed(0)} ms; ${wait.batches} one-row batches (${wait.refused} refused), p99 ${wait.p99Ms.toFixed(1)} ms, max ${wait.maxMs.toFixed(1)} ms`);
    writeSection({ load, steady, results, waits });
  } finally {
    if (!kept) await rm(directory, { recursive: true, force: true });
  }
}


interface QueryFigures {
  path: string;
  /** The p95 it should stay under. */
  targetMs: number;
  p50: number;
  p95: number;
  max: number;
}

interface WriterFigures {
  batchRows: number;
  rows: number;
  plainRowsPerSecond: number;
  rollupRowsPerSecond: number;
  overhead: number;
  /** The same in CPU time (user and system) of the writer's calls, without the time spent waiting for the disk. */
  cpuOverhead: number;
  /** The compactor's time (in its own thread in the gateway) per row written. */
  compactionMicrosPerRow: number;
  /** The writer's and the compactor's time together against the writer without rollups. */
  overheadWithCompaction: number;
}

/** Replaces (or appends) this bench's section of BENCHMARKS.md (bench/benchmarks-file.ts). */
function writeSection(figures: { load: WriterFigures; steady: WriterFigures[]; results: QueryFigures[]; waits: CompactionWait[] }): void {
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const writerRow = (label: string, row: WriterFigures) =>
    `| ${label} | ${row.rows.toLocaleString('en')} | ${row.batchRows} | ${writer(row.plainRowsPerSecond)} | ${writer(row.rollupRowsPerSecond)} | +${(row.overhead * 100).toFixed(1)}% — ${verdict(row.overhead <= targets.writerOverhead)} | +${(row.cpuOverhead * 100).toFixed(1)}% — ${verdict(row.cpuOverhead <= targets.writerOverhead)} | ${row.compactionMicrosPerRow.toFixed(1)} µs | +${(row.overheadWithCompaction * 100).toFixed(1)}% |`;
  const lines = [
    `## Analytics: rollups on ${days} days of usage (SQLite)`,
    '',
    `${rowCount.toLocaleString('en')} generated rows over the last ${days} days (60 keys, 25 users, 6 teams, 8 models, skewed; requesters, tags,`,
    'errors, cache hits), written through `recordUsage` into two fresh SQLite files, one with rollups and one without, batch by',
    `batch in turn: first the whole load in batches of 500, then each of the next three days of the timeline (${steadyRows.toLocaleString('en')} rows) in batches of 500,`,
    '50 and 1 on the loaded files. The file with rollups is opened as the gateway\'s usage writer opens it: its batches append minute',
    'rollups, and compaction into hours and days (the rollup compactor\'s, in its own thread in the gateway) runs here between batches,',
    'once a batch reaches a new hour, timed apart: its cost per row and the two together are the last columns. Then each report 50',
    'times through HTTP (`app.inject`) after 5 warm-up calls. The writer\'s overhead is given in elapsed time and in CPU time (user and',
    'system, `process.cpuUsage`): elapsed time includes waiting for the disk at WAL checkpoints, which the writer without rollups does for',
    'a larger share of its time.',
    `Run ${new Date().toISOString()}, Node ${process.version}; \`BENCH_ANALYTICS_ROWS=${rowCount} BENCH_ANALYTICS_DAYS=${days} node dist/bench/analytics.js\`.`,
    '',
    `| Writer | rows | rows a batch | rows/s without rollups | rows/s with | writer overhead (target ≤ ${targets.writerOverhead * 100}%) | in CPU time | compactor, a row | writer + compactor |`,
    '|---|---:|---:|---:|---:|---|---|---:|---:|',
    writerRow('load', figures.load),
    ...figures.steady.map((row) => writerRow('steady', row)),
    '',
    `Reports: ≤ ${targets.p95Ms} ms p95 (issue 10); the Routing view's reads (\`/analytics/routing\` and its chart's timeseries), ≤ ${targets.routingP95Ms} ms p95 (issue 20).`,
    '',
    '| Query | p50 ms | p95 ms | max ms | target p95 |',
    '|---|---:|---:|---:|---|',
    ...figures.results.map((result) => `| \`${result.path}\` | ${result.p50.toFixed(1)} | ${result.p95.toFixed(1)} | ${result.max.toFixed(1)} | ≤ ${result.targetMs} ms — ${verdict(result.p95 <= result.targetMs)} |`),
    '',
    `A day (${steadyRows.toLocaleString('en')} rows) compacted while the usage writer thread sends one-row batches every 2 ms (\`bench/compaction-wait.ts\`):`,
    '',
    '| Compaction | took ms | batches meanwhile | refused (locked past 5 s) | batch wait p99 ms | batch wait max ms |',
    '|---|---:|---:|---:|---:|---:|',
    ...figures.waits.map(
      (wait) =>
        `| ${wait.mode === 'apart' ? 'the compactor (worked out outside the write lock)' : 'in the batch that passes the hour (before)'} | ${wait.compactionMs.toFixed(0)} | ${wait.batches} | ${wait.refused} | ${wait.p99Ms.toFixed(1)} | ${wait.maxMs.toFixed(1)} |`,
    ),
  ];
  const section = lines.join('\n');
  writeBenchSection('analytics', section);
  process.stdout.write(`\n${section}\n`);
}

function writer(rowsPerSecond: number): string {
  return Math.round(rowsPerSecond).toLocaleString('en');
}

// `BENCH_ONE_CORE=1 npm run bench` runs the one-core mode alone (run.ts); its writer figure is bench/writer-cpu.ts's.
if (oneCoreRequested(process.env, process.argv)) {
  log('analytics: skipped in the one-core mode');
} else {
  main().catch((error: unknown) => {
    process.stderr.write(`analytics bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exitCode = 1;
  });
}
