import { createLogger, type Logger } from "@hooklog/logging";

export interface LogLine {
  level: number;
  msg: string;
  [field: string]: unknown;
}

/** A logger whose lines a test reads back, to assert what the kit said (and how often). */
export function recordedLogs(service = "kit-test"): { logger: Logger; lines: LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({ service, level: "info", destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) } });
  return { logger, lines };
}
