/**
 * One level of a structured log: fields first, then the message (pino's argument order), or a message
 * alone.
 */
export interface LogMethod {
  (fields: object, message?: string): void;
  (message: string): void;
}

/**
 * The logging Sluice's modules do: four levels, nothing else. pino's logger satisfies it as it is (the
 * gateway creates one in `server/logger.ts`), and a test can hand any module a small recording fake
 * without casting.
 */
export interface Logger {
  error: LogMethod;
  warn: LogMethod;
  info: LogMethod;
  debug: LogMethod;
}
