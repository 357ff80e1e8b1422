import { strict as assert } from "node:assert";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, describe, it } from "node:test";
import { INSTRUMENTATION_NAMES, packageIdentity, selectInstrumentations } from "../src/telemetry.ts";

describe("selectInstrumentations", () => {
  it("selects all five instrumentations, in order, when neither the environment nor the package names any", () => {
    assert.deepEqual(selectInstrumentations({}, undefined), ["http", "express", "kafkajs", "pg", "knex", "fetch"]);
    assert.deepEqual(INSTRUMENTATION_NAMES, ["http", "express", "kafkajs", "pg", "knex", "fetch"]);
  });

  it("uses the package's own list when the environment names none", () => {
    assert.deepEqual(selectInstrumentations({}, ["http", "pg"]), ["http", "pg"]);
    assert.deepEqual(selectInstrumentations({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: "" }, ["kafkajs"]), ["kafkajs"]);
  });

  it("lists a name given twice once", () => {
    assert.deepEqual(selectInstrumentations({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: "http,http,pg" }, undefined), ["http", "pg"]);
  });

  it("lets OTEL_NODE_ENABLED_INSTRUMENTATIONS override the package's list", () => {
    assert.deepEqual(selectInstrumentations({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: "kafkajs,knex" }, ["http", "pg"]), ["kafkajs", "knex"]);
  });

  it("removes the names in OTEL_NODE_DISABLED_INSTRUMENTATIONS from whichever list applies", () => {
    assert.deepEqual(selectInstrumentations({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: "express,knex" }, undefined), ["http", "kafkajs", "pg", "fetch"]);
    assert.deepEqual(selectInstrumentations({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: "pg" }, ["http", "pg"]), ["http"]);
    assert.deepEqual(selectInstrumentations({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: "http,kafkajs", OTEL_NODE_DISABLED_INSTRUMENTATIONS: "http" }, undefined), [
      "kafkajs",
    ]);
  });

  it("tolerates whitespace and empty items in the lists", () => {
    const env = { OTEL_NODE_ENABLED_INSTRUMENTATIONS: " http , ,kafkajs,, pg ,", OTEL_NODE_DISABLED_INSTRUMENTATIONS: "  kafkajs ,  " };
    assert.deepEqual(selectInstrumentations(env, undefined), ["http", "pg"]);
    assert.deepEqual(selectInstrumentations({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: "   ", OTEL_NODE_DISABLED_INSTRUMENTATIONS: " " }, undefined), [
      ...INSTRUMENTATION_NAMES,
    ]);
  });

  it("rejects an unknown name, naming the variable, the name and the known names", () => {
    const known = /known: http, express, kafkajs, pg, knex, fetch/;
    assert.throws(
      () => selectInstrumentations({ OTEL_NODE_ENABLED_INSTRUMENTATIONS: "http,redis" }, undefined),
      (error: Error) => /^OTEL_NODE_ENABLED_INSTRUMENTATIONS: unknown instrumentation redis;/.test(error.message) && known.test(error.message),
    );
    assert.throws(
      () => selectInstrumentations({ OTEL_NODE_DISABLED_INSTRUMENTATIONS: "mysql" }, undefined),
      (error: Error) => /^OTEL_NODE_DISABLED_INSTRUMENTATIONS: unknown instrumentation mysql;/.test(error.message) && known.test(error.message),
    );
    assert.throws(
      () => selectInstrumentations({}, ["http", "grpc"]),
      (error: Error) => /^hooklog\.instrumentations in package\.json: unknown instrumentation grpc;/.test(error.message) && known.test(error.message),
    );
  });
});

describe("packageIdentity", () => {
  const folders: string[] = [];
  const folderWith = (packageJson: object | undefined): string => {
    const folder = mkdtempSync(join(tmpdir(), "hooklog-telemetry-identity-"));
    folders.push(folder);
    if (packageJson) writeFileSync(join(folder, "package.json"), JSON.stringify(packageJson));
    return folder;
  };

  after(() => {
    for (const folder of folders) rmSync(folder, { recursive: true, force: true });
  });

  it("reads the service name, version and hooklog.instrumentations from the package.json in the folder", () => {
    const folder = folderWith({ name: "@hooklog/ingest", version: "1.2.3", hooklog: { instrumentations: ["http", "kafkajs"] } });
    assert.deepEqual(packageIdentity(folder), { name: "hooklog-ingest", version: "1.2.3", instrumentations: ["http", "kafkajs"] });
  });

  it("leaves the instrumentations unset when the package names none", () => {
    const folder = folderWith({ name: "@hooklog/alerts", version: "0.1.0" });
    assert.deepEqual(packageIdentity(folder), { name: "hooklog-alerts", version: "0.1.0", instrumentations: undefined });
  });

  it("falls back to a default identity when the folder has no package.json", () => {
    assert.deepEqual(packageIdentity(folderWith(undefined)), { name: "hooklog", version: "0.0.0", instrumentations: undefined });
  });

  it("refuses a package.json that is not JSON, naming the file, rather than running under a wrong name", () => {
    const folder = folderWith(undefined);
    writeFileSync(join(folder, "package.json"), "{ not json");
    assert.throws(
      () => packageIdentity(folder),
      (error: Error) => error.message.includes(join(folder, "package.json")) && /not valid JSON/.test(error.message),
    );
  });

  it("refuses hooklog.instrumentations that is not an array of names, and trims the names it reads", () => {
    assert.throws(
      () => packageIdentity(folderWith({ name: "x", hooklog: { instrumentations: "http,pg" } })),
      /hooklog\.instrumentations must be an array of names/,
    );
    assert.deepEqual(packageIdentity(folderWith({ name: "x", version: "1.0.0", hooklog: { instrumentations: [" http"] } })).instrumentations, ["http"]);
  });
});
