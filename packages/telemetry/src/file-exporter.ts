import { appendFileSync } from "node:fs";
import { ExportResultCode, type ExportResult } from "@opentelemetry/core";
import type { ReadableSpan, SpanExporter } from "@opentelemetry/sdk-trace";

/** One JSON line per span, for tests and for reading a trace on a machine without a collector. */
export interface SpanRecord {
  service: string;
  name: string;
  kind: number;
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  links: Array<{ traceId: string; spanId: string }>;
  attributes: Record<string, unknown>;
  status: number;
  durationMs: number;
}

export class FileSpanExporter implements SpanExporter {
  private readonly path: string;

  constructor(path: string) {
    this.path = path;
  }

  export(spans: ReadableSpan[], done: (result: ExportResult) => void): void {
    const lines = spans.map((span) => {
      const record: SpanRecord = {
        service: String(span.resource.attributes["service.name"] ?? ""),
        name: span.name,
        kind: span.kind,
        traceId: span.spanContext().traceId,
        spanId: span.spanContext().spanId,
        parentSpanId: span.parentSpanContext?.spanId,
        links: span.links.map((link) => ({ traceId: link.context.traceId, spanId: link.context.spanId })),
        attributes: { ...span.attributes },
        status: span.status.code,
        durationMs: span.duration[0] * 1000 + span.duration[1] / 1e6,
      };
      return `${JSON.stringify(record)}\n`;
    });
    try {
      appendFileSync(this.path, lines.join(""));
      done({ code: ExportResultCode.SUCCESS });
    } catch (error) {
      done({ code: ExportResultCode.FAILED, error: error as Error });
    }
  }

  async shutdown(): Promise<void> {}
}
