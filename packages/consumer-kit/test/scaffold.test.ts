import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { testStack } from "@hooklog/testkit";
import { scaffoldFiles } from "../src/scaffold.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");

describe("npm run new:consumer", () => {
  const name = `scaffold-probe-${process.pid}`;
  const folder = join(repoRoot, "services", name);

  after(() => rmSync(folder, { recursive: true, force: true }));

  it("creates a consumer service that passes its own test at once", async () => {
    const stack = await testStack();
    for (const [path, content] of Object.entries(scaffoldFiles(name))) {
      mkdirSync(join(folder, path, ".."), { recursive: true });
      writeFileSync(join(folder, path), content);
    }
    // Without NODE_TEST_CONTEXT: a nested test runner that sees it reports to this one in a binary protocol.
    const { NODE_TEST_CONTEXT: _nested, ...environment } = process.env;
    const run = spawn(join(repoRoot, "node_modules", ".bin", "hooklog-test"), [], {
      cwd: folder,
      env: { ...environment, KAFKA_BROKERS: stack.kafkaBrokers, SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl, DATABASE_URL: stack.databaseUrl, HOOKLOG_TEST_RESULTS: "" },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let output = "";
    run.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
    run.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
    const code = await new Promise<number | null>((resolveExit) => run.once("exit", resolveExit));
    assert.equal(code, 0, output);
    assert.match(output, /ℹ pass 1/);
    const typecheck = spawn(join(repoRoot, "node_modules", ".bin", "tsc"), ["-p", "tsconfig.json"], { cwd: folder, stdio: ["ignore", "pipe", "pipe"] });
    let errors = "";
    typecheck.stdout.on("data", (chunk: Buffer) => (errors += chunk.toString()));
    assert.equal(await new Promise<number | null>((resolveExit) => typecheck.once("exit", resolveExit)), 0, errors);
  });
});
