import { pino, type Logger } from 'pino';

export type { Logger };

/**
 * Structured JSON logs. Credential-bearing fields are redacted wherever they appear, as a second line of
 * defence: code never logs headers or keys on purpose.
 */
export function createLogger(level: string): Logger {
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
