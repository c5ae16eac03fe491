import { hostname } from 'node:os';
import type { UsageRow } from '../domain/usage-row.js';
import { formatRequestLogLine, requestLogFieldsOf } from './request-log-line.js';

/** Where the lines go: `process.stderr` for `sluice serve`; human-readable when it is a terminal. */
export interface RequestLogStream {
  write(text: string): unknown;
  isTTY?: boolean | undefined;
}

export interface RequestLogOptions {
  stream: RequestLogStream;
  /** `log.requests`; a config reload may change it. */
  enabled: boolean;
  /** The name of a gateway key, from the in-memory key view (rows carry its id). */
  keyName: (keyId: string) => string | undefined;
}

/**
 * One line per model call (`log.requests`): the request id, who asked, the caller's shape, the model and
 * where it went, status, tokens, cost, latency and time to first byte.
 *
 * It is written from the usage writer's stored batches, not from the request: by then the writer thread has
 * priced the row (so the line has the cost without pricing on the request thread), and a batch of lines is
 * one write. The request path pays nothing; a line appears within `usage.flushIntervalMs` of its call, and
 * while the store is unreachable lines wait with their rows.
 *
 * On a terminal the line is formatted for reading; anywhere else it is a JSON line in pino's format (`level`,
 * `pid`, `hostname`, `msg: "model call"`, `time`, then the fields), like the gateway's other log lines.
 */
export class RequestLog {
  readonly #stream: RequestLogStream;
  readonly #keyName: (keyId: string) => string | undefined;
  readonly #terminal: boolean;
  /** What pino puts before a line's own fields (level, pid, hostname), with `time` left to each line. */
  readonly #jsonPrefix: string;
  enabled: boolean;

  constructor(options: RequestLogOptions) {
    this.#stream = options.stream;
    this.#keyName = options.keyName;
    this.enabled = options.enabled;
    this.#terminal = options.stream.isTTY === true;
    this.#jsonPrefix = `{"level":30,"pid":${process.pid},"hostname":${JSON.stringify(hostname())},"msg":"model call","time":`;
  }

  /** The lines of a batch of stored rows, in one write. */
  write(rows: readonly UsageRow[]): void {
    if (!this.enabled || rows.length === 0) return;
    let text = '';
    const now = Date.now();
    for (const row of rows) {
      const fields = requestLogFieldsOf(row, row.keyId === null ? null : (this.#keyName(row.keyId) ?? row.keyId));
      // Pino's line, written directly: a pino logger per line cost twice as much for the same bytes.
      text += this.#terminal ? `${formatRequestLogLine(fields)}\n` : `${this.#jsonPrefix}${now},${JSON.stringify(fields).slice(1)}\n`;
    }
    this.#stream.write(text);
  }
}
