// The headers module alone: it loads no kafkajs, which must load after the instrumentation registers.
import { header, type IHeaders } from "@hooklog/kafka/headers";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { context, propagation, trace, type Context, type TextMapGetter, type TextMapPropagator, type TextMapSetter } from "@opentelemetry/api";

/**
 * W3C trace context, except that a carrier which already holds a `traceparent` keeps it.
 * Ingest sends many requests' events in one Kafka batch: it writes each event's own context into
 * its headers, and the kafkajs instrumentation's batch-level inject must not overwrite it.
 */
export class ExplicitFirstPropagator implements TextMapPropagator {
  private readonly w3c = new W3CTraceContextPropagator();

  inject(target: Context, carrier: unknown, setter: TextMapSetter): void {
    if (carrier && typeof carrier === "object" && "traceparent" in carrier) return;
    this.w3c.inject(target, carrier, setter);
  }

  extract(target: Context, carrier: unknown, getter: TextMapGetter): Context {
    return this.w3c.extract(target, carrier, getter);
  }

  fields(): string[] {
    return this.w3c.fields();
  }
}

/** Kafka headers arrive as Buffers (or arrays of them); the W3C propagator wants strings. */
const kafkaHeaderGetter: TextMapGetter<IHeaders> = {
  keys: (carrier) => Object.keys(carrier),
  get: (carrier, key) => header(carrier, key),
};

/** Writes the given (or active) context into message headers. */
const w3c = new W3CTraceContextPropagator();
const headerSetter: TextMapSetter<Record<string, string>> = { set: (carrier, key, value) => (carrier[key] = value) };

export function injectTraceHeaders(headers: Record<string, string>, from: Context = context.active()): Record<string, string> {
  w3c.inject(from, headers, headerSetter);
  return headers;
}

/** The context a message carries, to parent (or link) the spans that handle it. */
export function extractTraceContext(headers: IHeaders | undefined): Context {
  return propagation.extract(context.active(), headers ?? {}, kafkaHeaderGetter);
}

export { context, trace };
