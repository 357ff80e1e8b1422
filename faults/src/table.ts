// The closing table: one row per phase, columns as wide as their widest cell.
import type { PhaseRow } from "./verdict.ts";
import { CONSUMERS } from "./verdict.ts";

const MIB = 1024 * 1024;

function recovery(seconds: number | null | undefined): string {
  if (seconds === undefined) return "-";
  return seconds === null ? "never" : seconds.toFixed(1);
}

/** `belowMinIsr`: a column of the 2xx answers Kafka cannot have given (three brokers: sent and answered while fewer than two ran). */
export function formatTable(rows: readonly PhaseRow[], { belowMinIsr = false }: { belowMinIsr?: boolean } = {}): string {
  const optional = <T>(shown: boolean, cell: T): T[] => (shown ? [cell] : []);
  const header = [
    "fault",
    "sent",
    "2xx",
    "503",
    "no answer",
    "events",
    "in Kafka",
    "LOST",
    ...optional(belowMinIsr, "2xx BELOW MIN ISR"),
    ...CONSUMERS.map((consumer) => `${consumer} exp/applied`),
    "DOUBLED",
    "recover s",
    "ingest peak RSS MiB",
  ];
  const cells = rows.map((row) => [
    row.phase,
    String(row.posts),
    String(row.answered2xx),
    String(row.answered503),
    String(row.unanswered),
    String(row.events),
    String(row.inKafka),
    String(row.lost),
    ...optional(belowMinIsr, row.answered2xxBelowMinIsr === undefined ? "-" : String(row.answered2xxBelowMinIsr)),
    ...CONSUMERS.map((consumer) => `${row.expected[consumer]}/${row.applied[consumer]}`),
    String(row.doubled),
    recovery(row.recoverySeconds),
    row.ingestPeakRssBytes === undefined ? "-" : (row.ingestPeakRssBytes / MIB).toFixed(0),
  ]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((line) => (line[column] ?? "").length)));
  const format = (line: readonly string[]): string =>
    line.map((cell, column) => (column === 0 ? cell.padEnd(widths[column] ?? 0) : cell.padStart(widths[column] ?? 0))).join("  ");
  return [format(header), widths.map((width) => "-".repeat(width)).join("  "), ...cells.map(format)].join("\n");
}
