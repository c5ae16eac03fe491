import { pino, type Logger } from 'pino';
import type { UsageRow } from '../usage/usage-row.js';
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
 * On a terminal the line is formatted for reading; anywhere else it is a pino JSON line (`msg: "model
 * call"`), for log collectors.
 */
export class RequestLog {
  readonly #stream: RequestLogStream;
  readonly #keyName: (keyId: string) => string | undefined;
  /** Pino writes each JSON line here; a batch leaves as one write. */
  readonly #pending: string[] = [];
  readonly #jsonLogger: Logger | undefined;
  enabled: boolean;

  constructor(options: RequestLogOptions) {
    this.#stream = options.stream;
    this.#keyName = options.keyName;
    this.enabled = options.enabled;
    if (options.stream.isTTY !== true) {
      const collect = { write: (line: string) => void this.#pending.push(line) };
      this.#jsonLogger = pino({ level: 'info' }, collect);
    }
  }

  /** The lines of a batch of stored rows. */
  write(rows: readonly UsageRow[]): void {
    if (!this.enabled || rows.length === 0) return;
    for (const row of rows) {
      const fields = requestLogFieldsOf(row, row.keyId === null ? null : (this.#keyName(row.keyId) ?? row.keyId));
      if (this.#jsonLogger) this.#jsonLogger.info(fields, 'model call');
      else this.#pending.push(`${formatRequestLogLine(fields)}\n`);
    }
    this.#stream.write(this.#pending.join(''));
    this.#pending.length = 0;
  }
}
