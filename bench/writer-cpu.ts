import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SqliteStore } from '../src/store/sqlite/sqlite-store.js';
import type { UsageRow } from '../src/domain/usage-row.js';
import { benchUsageRow } from './bench-usage-row.js';
import { log } from './log.js';

export interface WriterCpu {
  rows: number;
  batchRows: number;
  /** CPU (user + system) of `recordUsage` per row, µs. */
  microsecondsPerRow: number;
}

const models = ['gpt-4o-mini', 'gpt-4.1', 'claude-haiku-4-5', 'claude-sonnet-4-5', 'gemini-2.5-flash'];

/**
 * The usage writer with rollups, as the gateway's writer thread opens the store (minute rollups appended
 * with each batch, compaction left to the compactor's thread): CPU per row of `recordUsage` at `batchRows`
 * rows a batch, into a fresh SQLite file, after a dropped warm-up batch. The rows arrive as a busy gateway
 * writes them, 2 ms apart, over 60 keys and 5 models (a fuller data set's figures are the analytics bench's).
 */
export async function writerCpuPerRow(rows = 50_000, batchRows = 500): Promise<WriterCpu> {
  const directory = mkdtempSync(join(tmpdir(), 'sluice-bench-writer-'));
  const store = new SqliteStore(join(directory, 'sluice.db'), { compactWithBatches: false });
  const start = Date.now() - rows * 2;
  const row = (index: number): UsageRow =>
    benchUsageRow({
      id: `01WRITER${String(index).padStart(12, '0')}`,
      createdAt: start + index * 2,
      keyId: `key_${index % 60}`,
      userName: `user-${index % 25}`,
      teamName: `team-${index % 6}`,
      requestedModel: models[index % models.length]!,
      upstreamModel: models[index % models.length]!,
      inputTokens: 100 + (index % 900),
      outputTokens: 20 + (index % 300),
      costUsd: 0.0001 * (1 + (index % 7)),
    });
  try {
    await store.recordUsage(Array.from({ length: batchRows }, (_unused, offset) => row(offset)));
    let cpuMicroseconds = 0;
    for (let written = batchRows; written < rows + batchRows; written += batchRows) {
      const batch = Array.from({ length: batchRows }, (_unused, offset) => row(written + offset));
      const before = process.cpuUsage();
      await store.recordUsage(batch);
      const used = process.cpuUsage(before);
      cpuMicroseconds += used.user + used.system;
    }
    const figures = { rows, batchRows, microsecondsPerRow: cpuMicroseconds / rows };
    log(`usage writer with rollups: ${figures.microsecondsPerRow.toFixed(1)} µs of CPU a row at ${batchRows} rows a batch`);
    return figures;
  } finally {
    await store.close();
    rmSync(directory, { recursive: true, force: true });
  }
}
