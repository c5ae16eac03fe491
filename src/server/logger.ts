import { pino, type Logger } from 'pino';

/**
 * The gateway's own logger: pino's, whose level a config reload changes. Everything below the server takes
 * it as the small `Logger` of `domain/logger.ts`, which it satisfies.
 */
export type GatewayLogger = Logger;

/**
 * Structured JSON logs. Credential-bearing fields are redacted wherever they appear, as a second line of
 * defence: code never logs headers or keys on purpose.
 */
export function createLogger(level: string): GatewayLogger {
  return pino({
    level,
    redact: {
      paths: [
        'headers.authorization',
        'headers["x-api-key"]',
        'headers["x-sluice-token"]',
        'headers["x-goog-api-key"]',
        'headers.cookie',
        '*.headers.cookie',
        '*.headers.authorization',
        '*.headers["x-api-key"]',
        '*.headers["x-sluice-token"]',
        'apiKey',
        'token',
      ],
      censor: '[redacted]',
    },
  });
}
