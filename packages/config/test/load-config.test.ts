import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { ConfigError, loadConfig, z } from "../src/index.ts";

describe("loadConfig", () => {
  it("fills the common defaults when the environment sets nothing", () => {
    const config = loadConfig("test", {}, {});
    assert.deepEqual(config.KAFKA_BROKERS, ["127.0.0.1:9092"]);
    assert.equal(config.SCHEMA_REGISTRY_URL, "http://127.0.0.1:8081/apis/ccompat/v7");
    assert.equal(config.DATABASE_URL, "postgres://postgres@127.0.0.1:5432/hooklog");
    assert.equal(config.LOG_LEVEL, "info");
    assert.equal(config.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
  });

  it("parses a broker list and a service's own settings", () => {
    const config = loadConfig(
      "ingest",
      { INGEST_PORT: z.coerce.number().int().min(1).max(65535).default(3000) },
      { KAFKA_BROKERS: "a:9092, b:9093", INGEST_PORT: "3100" },
    );
    assert.deepEqual(config.KAFKA_BROKERS, ["a:9092", "b:9093"]);
    assert.equal(config.INGEST_PORT, 3100);
  });

  it("treats an empty variable as unset", () => {
    const config = loadConfig("test", {}, { OTEL_EXPORTER_OTLP_ENDPOINT: "", LOG_LEVEL: "" });
    assert.equal(config.OTEL_EXPORTER_OTLP_ENDPOINT, undefined);
    assert.equal(config.LOG_LEVEL, "info");
  });

  it("names every bad variable in one error", () => {
    assert.throws(
      () => loadConfig("ingest", { INGEST_PORT: z.coerce.number().int().max(65535) }, { KAFKA_BROKERS: "no-port", LOG_LEVEL: "loud", INGEST_PORT: "70000" }),
      (error: unknown) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(error.problems.length, 3);
        for (const name of ["KAFKA_BROKERS", "LOG_LEVEL", "INGEST_PORT"]) assert.match(error.message, new RegExp(name));
        return true;
      },
    );
  });
});
