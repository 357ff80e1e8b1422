import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

export interface LoggerOptions {
  service: string;
  level?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/**
 * Secrets and signature headers are redacted wherever they appear in a log object,
 * so a handler that logs `req.headers` or a config object cannot leak them.
 */
export const redactedPaths: readonly string[] = [
  "secret",
  "secrets",
  "*.secret",
  "*.secrets",
  "password",
  "*.password",
  "token",
  "*.token",
  "apiKey",
  "*.apiKey",
  "authorization",
  "*.authorization",
  "*.headers.authorization",
  "*.headers.cookie",
  'headers["stripe-signature"]',
  '*.headers["stripe-signature"]',
  'headers["x-hub-signature"]',
  '*.headers["x-hub-signature"]',
  'headers["x-hub-signature-256"]',
  '*.headers["x-hub-signature-256"]',
  'headers["webhook-signature"]',
  '*.headers["webhook-signature"]',
  'headers["svix-signature"]',
  '*.headers["svix-signature"]',
  "body",
  "*.body",
  "rawBody",
  "*.rawBody",
];

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.service,
      level: options.level ?? "info",
      base: { service: options.service },
      redact: { paths: [...redactedPaths], censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}
