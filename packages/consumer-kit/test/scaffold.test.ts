import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm, symlink } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, describe, it } from "node:test";
import { testStack } from "@hooklog/testkit";
import { writeScaffold } from "../src/scaffold.ts";

const repoRoot = resolve(import.meta.dirname, "..", "..", "..");
const bin = (tool: string): string => join(repoRoot, "node_modules", ".bin", tool);

/** Runs `command` to its end; its exit code and everything it wrote. */
async function run(command: string, args: string[], options: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<{ code: number | null; output: string }> {
  const child = spawn(command, args, { ...options, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const code = await new Promise<number | null>((resolveExit) => child.once("exit", resolveExit));
  return { code, output };
}

describe("npm run new:consumer", () => {
  let root: string | undefined;
  let probe: string | undefined;

  after(async () => {
    for (const folder of [root, probe]) if (folder) await rm(folder, { recursive: true, force: true });
  });

  it("creates a consumer whose port binds to 127.0.0.1 unless its <NAME>_HOST says otherwise", async () => {
    probe = await mkdtemp(join(tmpdir(), "hooklog-scaffold-host-"));
    await symlink(join(repoRoot, "node_modules"), join(probe, "node_modules"));
    const folder = writeScaffold("host-probe", join(probe, "services"));

    const { loadHostProbeConfig } = (await import(join(folder, "src", "config.ts"))) as {
      loadHostProbeConfig: (env: NodeJS.ProcessEnv) => { HOST_PROBE_HOST: string };
    };

    assert.equal(loadHostProbeConfig({}).HOST_PROBE_HOST, "127.0.0.1");
    assert.equal(loadHostProbeConfig({ HOST_PROBE_HOST: "0.0.0.0" }).HOST_PROBE_HOST, "0.0.0.0");
  });

  it("creates a consumer service that passes its own test at once", async () => {
    const stack = await testStack();
    // A folder of its own, shaped like the workspace around a service: the scaffold's tsconfig extends
    // ../../tsconfig.json, and its imports of @hooklog packages resolve through the workspace's links.
    root = await mkdtemp(join(tmpdir(), "hooklog-scaffold-"));
    await symlink(join(repoRoot, "node_modules"), join(root, "node_modules"));
    await symlink(join(repoRoot, "tsconfig.json"), join(root, "tsconfig.json"));
    const name = "scaffold-probe";
    const folder = join(root, "services", name);

    const scaffold = await run(process.execPath, [join(repoRoot, "packages", "consumer-kit", "src", "scaffold.ts"), name, "--into", join(root, "services")], {
      cwd: root,
    });
    assert.equal(scaffold.code, 0, scaffold.output);
    assert.equal(existsSync(join(repoRoot, "services", name)), false, "nothing written into the workspace's services/");

    // Without NODE_TEST_CONTEXT: a nested test runner that sees it reports to this one in a binary protocol.
    const { NODE_TEST_CONTEXT: _nested, ...environment } = process.env;
    const tests = await run(bin("hooklog-test"), [], {
      cwd: folder,
      env: {
        ...environment,
        KAFKA_BROKERS: stack.kafkaBrokers,
        SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
        DATABASE_URL: stack.databaseUrl,
        HOOKLOG_TEST_RESULTS: "",
      },
    });
    assert.equal(tests.code, 0, tests.output);
    assert.match(tests.output, /ℹ pass 1/);
    const typecheck = await run(bin("tsc"), ["-p", "tsconfig.json"], { cwd: folder });
    assert.equal(typecheck.code, 0, typecheck.output);
  });
});
