import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openStore, type StoreLocation } from '../src/store/open-store.js';
import type { Store } from '../src/store/store.js';
import type { UsageRow } from '../src/domain/usage-row.js';
import { WorkerUsageSink } from '../src/usage/worker-usage-sink.js';
import { generateRow, mulberry32 } from './analytics-rows.js';
import { writeBenchSection } from './benchmarks-file.js';
import { log } from './log.js';

/**
 * The usage writer's CPU per row (issue 23): rows as the request path hands them over (unpriced), sent in
 * batches of 500 through the gateway's own `WorkerUsageSink` to the real writer thread, which prices them and
 * stores them — once into a store keeping rollups, once into one without (the baseline), batch by batch in
 * turn. What is measured is the CPU time of the writer thread itself (Linux's per-thread run time,
 * `/proc/self/task/<tid>/schedstat`), of the request thread for posting a batch and taking its costs back,
 * and the elapsed time of each batch. Between batches, as the gateway's rollup compactor does in its own
 * thread, a connection of its own compacts each hour a batch passes (untimed: it is not the writer's).
 *
 * `BENCH_WRITER_ROWS` (default 100,000) rows a variant, after 2,000 to warm up; `BENCH_WRITER_BACKENDS`
 * (default `sqlite`, plus `postgres` when DATABASE_URL is set); `BENCH_WRITER_ROWS_PER_MINUTE` (default the
 * analytics bench's 5M rows over 30 days, ~116) sets how many rows share a minute and so a minute pack.
 * Pin it to a core for steadier figures: `taskset -c 1 node dist/bench/usage-writer-cpu.js`.
 */
const rowCount = Number(process.env.BENCH_WRITER_ROWS ?? 100_000);
const warmUpRows = 2_000;
const batchSize = 500;
const rowsPerMinute = Number(process.env.BENCH_WRITER_ROWS_PER_MINUTE ?? 5_000_000 / 30 / 1_440);
const backends = (process.env.BENCH_WRITER_BACKENDS ?? (process.env.DATABASE_URL ? 'sqlite,postgres' : 'sqlite')).split(',') as Backend[];
/** Issue 23's bound on the writer with rollups, and the earlier one on its overhead over the plain writer. */
const targets = { microsPerRow: 20, overhead: 0.25 };
const hourMs = 3_600_000;
/** The catalogue ids of the generated rows' providers, as the gateway passes them to the writer thread. */
const pricingProviderIds: Array<[string, string | undefined]> = [
  ['openai', 'openai'],
  ['anthropic', 'anthropic'],
  ['gemini', 'google'],
];

type Backend = 'sqlite' | 'postgres';
type Variant = 'plain' | 'rollups';

/** CPU time a thread of this process has run, in microseconds (its tid; the main thread's is the pid). */
function threadCpuMicros(tid: string): number {
  return Number(readFileSync(`/proc/self/task/${tid}/schedstat`, 'utf8').split(' ', 1)[0]) / 1_000;
}

function threadIds(): Set<string> {
  return new Set(readdirSync('/proc/self/task'));
}

/** A variant's writer thread and what it has used so far. */
interface Writer {
  variant: Variant;
  sink: WorkerUsageSink;
  tid: string;
  writerCpuMicros: number;
  requestCpuMicros: number;
  /** Every thread of the process (the writer's, the request thread's, V8's helpers collecting the writer's garbage…). */
  processCpuMicros: number;
  elapsedMs: number;
}

export interface WriterCpuFigures {
  backend: Backend;
  rows: number;
  /** Per variant: the writer thread's CPU, the request thread's, and elapsed time, each per row (µs). */
  perRow: Record<Variant, { writerCpu: number; requestCpu: number; processCpu: number; elapsed: number }>;
}

/** Where each variant's store lives, and how to remove them. */
async function locations(backend: Backend, directory: string): Promise<{ plain: StoreLocation; rollups: StoreLocation; drop(): Promise<void> }> {
  if (backend === 'sqlite') return { plain: { kind: 'sqlite', path: join(directory, 'plain.db') }, rollups: { kind: 'sqlite', path: join(directory, 'rollups.db') }, drop: async () => undefined };
  const base = process.env.DATABASE_URL;
  if (!base) throw new Error('the postgres backend needs DATABASE_URL');
  // A schema of its own for each variant, as the contract tests do, so nothing else on the server is touched.
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  const schemas = { plain: `sluice_bench_writer_plain_${process.pid}`, rollups: `sluice_bench_writer_rollups_${process.pid}` };
  const url = (schema: string) => {
    const location = new URL(base);
    location.searchParams.set('options', `-c search_path=${schema}`);
    return location.toString();
  };
  for (const schema of Object.values(schemas)) await admin.query(`CREATE SCHEMA ${schema}`);
  return {
    plain: { kind: 'postgres', url: url(schemas.plain) },
    rollups: { kind: 'postgres', url: url(schemas.rollups) },
    async drop() {
      for (const schema of Object.values(schemas)) await admin.query(`DROP SCHEMA ${schema} CASCADE`);
      await admin.end();
    },
  };
}

/**
 * Starts a variant's writer thread and finds its tid: the thread that appeared with it and did the most work
 * writing the warm-up rows.
 */
async function startWriter(variant: Variant, store: StoreLocation, warmUp: readonly UsageRow[]): Promise<Writer> {
  const before = threadIds();
  const sink = new WorkerUsageSink({ store, queryTimeoutMs: 60_000, pricing: {}, pricingProviderIds, pricingEpoch: 0, ...(variant === 'plain' ? { rollups: false } : {}) });
  for (let from = 0; from < warmUp.length; from += batchSize) await sink.recordUsage(structuredClone(warmUp.slice(from, from + batchSize)));
  const started = [...threadIds()].filter((tid) => !before.has(tid));
  const busiest = started.map((tid) => ({ tid, cpu: threadCpuMicros(tid) })).sort((left, right) => right.cpu - left.cpu)[0];
  if (!busiest) throw new Error('the writer thread was not found');
  return { variant, sink, tid: busiest.tid, writerCpuMicros: 0, requestCpuMicros: 0, processCpuMicros: 0, elapsedMs: 0 };
}

async function writeBatch(writer: Writer, rows: UsageRow[]): Promise<void> {
  const mainTid = String(process.pid);
  const writerBefore = threadCpuMicros(writer.tid);
  const requestBefore = threadCpuMicros(mainTid);
  const processBefore = process.cpuUsage();
  const before = performance.now();
  await writer.sink.recordUsage(rows);
  writer.elapsedMs += performance.now() - before;
  const processCpu = process.cpuUsage(processBefore);
  writer.processCpuMicros += processCpu.user + processCpu.system;
  writer.requestCpuMicros += threadCpuMicros(mainTid) - requestBefore;
  writer.writerCpuMicros += threadCpuMicros(writer.tid) - writerBefore;
}

async function measure(backend: Backend, directory: string): Promise<WriterCpuFigures> {
  const total = warmUpRows + rowCount;
  const timelineDays = total / rowsPerMinute / 1_440;
  const end = Date.now();
  const random = mulberry32(23);
  // As the request path hands them over: not priced yet (the writer thread prices them).
  const rowAt = (index: number): UsageRow => ({ ...generateRow(random, index, total, end, timelineDays), costUsd: null, priceSource: null, priceRates: null });
  const stores = await locations(backend, directory);
  let compactor: Store | undefined;
  const writers: Writer[] = [];
  try {
    const warmUp = Array.from({ length: warmUpRows }, (_unused, index) => rowAt(index));
    writers.push(await startWriter('plain', stores.plain, warmUp));
    writers.push(await startWriter('rollups', stores.rollups, warmUp));
    compactor = await openStore(stores.rollups, { compactWithBatches: false });
    let compactedHour = 0;
    for (let written = 0; written < rowCount; written += batchSize) {
      const batch = Array.from({ length: Math.min(batchSize, rowCount - written) }, (_unused, offset) => rowAt(warmUpRows + written + offset));
      // Alternating which goes first; each its own copy, since the sink fills in the costs on the rows it sent.
      const order = (written / batchSize) % 2 === 0 ? writers : [...writers].reverse();
      for (const writer of order) await writeBatch(writer, writer === order[0] ? batch : structuredClone(batch));
      const latestHour = Math.floor(batch.at(-1)!.createdAt / hourMs);
      if (latestHour > compactedHour) {
        compactedHour = latestHour;
        await compactor.compactRollups();
      }
    }
  } finally {
    await compactor?.close();
    for (const writer of writers) await writer.sink.close();
    await stores.drop();
  }
  const perRow = Object.fromEntries(
    writers.map((writer) => [writer.variant, { writerCpu: writer.writerCpuMicros / rowCount, requestCpu: writer.requestCpuMicros / rowCount, processCpu: writer.processCpuMicros / rowCount, elapsed: (writer.elapsedMs * 1_000) / rowCount }]),
  ) as WriterCpuFigures['perRow'];
  const figures = { backend, rows: rowCount, perRow };
  log(
    `usage writer (${backend}): writer thread ${perRow.plain.writerCpu.toFixed(1)} µs CPU a row without rollups, ${perRow.rollups.writerCpu.toFixed(1)} with (+${percent(perRow.rollups.writerCpu / perRow.plain.writerCpu - 1)}); ` +
      `elapsed ${perRow.plain.elapsed.toFixed(1)} / ${perRow.rollups.elapsed.toFixed(1)} µs a row (+${percent(perRow.rollups.elapsed / perRow.plain.elapsed - 1)}); request thread ${perRow.plain.requestCpu.toFixed(1)} / ${perRow.rollups.requestCpu.toFixed(1)} µs a row; the process ${perRow.plain.processCpu.toFixed(1)} / ${perRow.rollups.processCpu.toFixed(1)} µs a row`,
  );
  return figures;
}

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

function writeSection(results: readonly WriterCpuFigures[]): void {
  const verdict = (ok: boolean) => (ok ? 'met' : '**missed**');
  const lines = [
    '## The usage writer: CPU per row (issue 23)',
    '',
    `Rows as the request path hands them over (unpriced; the analytics bench's traffic, ${rowsPerMinute.toFixed(0)} rows a minute), sent in batches of ${batchSize}`,
    "through the gateway's `WorkerUsageSink` to the real writer thread, which prices and stores them: into a store with rollups and one",
    `without, batch by batch in turn, ${rowCount.toLocaleString('en')} rows each after ${warmUpRows.toLocaleString('en')} to warm up, fresh files or schemas. The writer thread's CPU is its own`,
    "run time (`/proc/self/task/<tid>/schedstat`); the request thread's is what posting a batch and taking its costs back cost it (PostgreSQL's",
    "own CPU, in its server process, is in neither). Each hour a batch passes is compacted between batches on a connection of its own, untimed.",
    `Run ${new Date().toISOString()}, Node ${process.version}; \`${process.env.BENCH_WRITER_COMMAND ?? 'taskset -c 1 node dist/bench/usage-writer-cpu.js'}\`.`,
    '',
    `| Store | writer thread, µs CPU a row: without rollups | with rollups (target ≤ ${targets.microsPerRow} µs) | in CPU (target ≤ +${targets.overhead * 100}%) | elapsed µs a row: without | with | in elapsed (target ≤ +${targets.overhead * 100}%) | request thread µs a row: without / with |`,
    '|---|---:|---|---|---:|---:|---|---:|',
    ...results.map(({ backend, perRow }) => {
      const cpuOverhead = perRow.rollups.writerCpu / perRow.plain.writerCpu - 1;
      const elapsedOverhead = perRow.rollups.elapsed / perRow.plain.elapsed - 1;
      return (
        `| ${backend === 'sqlite' ? 'SQLite' : 'PostgreSQL'} | ${perRow.plain.writerCpu.toFixed(1)} | ${perRow.rollups.writerCpu.toFixed(1)} — ${verdict(perRow.rollups.writerCpu <= targets.microsPerRow)} | ` +
        `${cpuOverhead >= 0 ? '+' : ''}${percent(cpuOverhead)} — ${verdict(cpuOverhead <= targets.overhead)} | ${perRow.plain.elapsed.toFixed(1)} | ${perRow.rollups.elapsed.toFixed(1)} | ` +
        `${elapsedOverhead >= 0 ? '+' : ''}${percent(elapsedOverhead)} — ${verdict(elapsedOverhead <= targets.overhead)} | ${perRow.plain.requestCpu.toFixed(1)} / ${perRow.rollups.requestCpu.toFixed(1)} |`
      );
    }),
  ];
  const section = lines.join('\n');
  if (process.env.BENCH_WRITER_NO_WRITE !== '1') writeBenchSection('usage writer', section);
  process.stdout.write(`\n${section}\n`);
}

async function main(): Promise<void> {
  const directory = await mkdtemp(join(tmpdir(), 'sluice-bench-writer-'));
  try {
    const results: WriterCpuFigures[] = [];
    for (const backend of backends) results.push(await measure(backend, directory));
    writeSection(results);
  } finally {
    await rm(directory, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`usage writer bench failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
