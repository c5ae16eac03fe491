import { openSync, closeSync, writeSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { RequestLog, type RequestLogStream } from '../src/telemetry/request-log.js';
import type { UsageRow } from '../src/domain/usage-row.js';
import { benchUsageRow } from './bench-usage-row.js';
import { log } from './log.js';

export interface RequestLogCost {
  /** CPU time (user + system) per call's line, ns: pino JSON lines, as when stderr is a pipe or a file. */
  jsonCpuNanoseconds: number;
  /** The same for the terminal format. */
  terminalCpuNanoseconds: number;
  /** Rows per batch, as the usage writer stores them. */
  batchSize: number;
}

const rows = 500_000;
const batchSize = 500;

/**
 * What the request log (`log.requests`) costs per call: `RequestLog.write` over batches of stored usage
 * rows, each batch written to /dev/null with one write (so the syscall is counted). It runs from the usage
 * writer's stored batches, off the request path, on the same core: this is the CPU a call pays for its line.
 */
export function requestLogCost(): RequestLogCost {
  const devNull = openSync('/dev/null', 'w');
  try {
    const sink = (isTTY: boolean): RequestLogStream => ({ isTTY, write: (text: string) => writeSync(devNull, text) });
    const measure = (isTTY: boolean): number => {
      const requestLog = new RequestLog({ stream: sink(isTTY), enabled: true, keyName: () => 'bench-key' });
      const batch = Array.from({ length: batchSize }, (_, index) => row(index));
      for (let warm = 0; warm < 200; warm++) requestLog.write(batch);
      const cpuAtStart = process.cpuUsage();
      for (let written = 0; written < rows; written += batchSize) requestLog.write(batch);
      const cpu = process.cpuUsage(cpuAtStart);
      return ((cpu.user + cpu.system) * 1e3) / rows;
    };
    const result = { jsonCpuNanoseconds: measure(false), terminalCpuNanoseconds: measure(true), batchSize };
    log(`request log: ${result.jsonCpuNanoseconds.toFixed(0)} ns of CPU per call as JSON, ${result.terminalCpuNanoseconds.toFixed(0)} ns for a terminal (batches of ${batchSize})`);
    return result;
  } finally {
    closeSync(devNull);
  }
}

function row(index: number): UsageRow {
  return benchUsageRow({
    id: `01M9547BX5WDNR6N7VGDE8A${String(index).padStart(3, '0')}`,
    createdAt: Date.now(),
    userName: 'ada',
    teamName: 'research',
    requester: 'alice',
    requestedModel: 'gpt-mini',
    groupName: index % 4 === 0 ? 'fast' : null,
    upstreamModel: 'gpt-5.4-mini',
    stream: index % 2 === 0,
    inputTokens: 1200,
    cacheReadTokens: 1000,
    costUsd: 0.000123,
    latencyMs: 450.123,
    timeToFirstByteMs: 130.5,
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) requestLogCost();
