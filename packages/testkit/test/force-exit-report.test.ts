import { strict as assert } from "node:assert";
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, it } from "node:test";

const hooklogTest = join(import.meta.dirname, "..", "bin", "hooklog-test.mjs");
const TESTS = 400;

/** A workspace whose one file has many quick tests with long names: enough report to outlast the file's own process. */
function workspaceWithManyTests(): string {
  const folder = mkdtempSync(join(tmpdir(), "hooklog-force-exit-"));
  mkdirSync(join(folder, "test"));
  writeFileSync(join(folder, "package.json"), JSON.stringify({ name: "force-exit-fixture", type: "module" }));
  const name = "x".repeat(2000);
  const tests = Array.from({ length: TESTS }, (_, index) => `test("t${index} ${name}", () => {});`);
  writeFileSync(join(folder, "test", "many.test.ts"), ['import { test } from "node:test";', ...tests].join("\n"));
  return folder;
}

describe("hooklog-test", () => {
  it("reports every test of a file, though each file's process is forced to exit when its tests end", () => {
    const folder = workspaceWithManyTests();
    try {
      // One run loses verdicts often but not always without the fix: five in a row make a loss all but certain.
      for (let run = 1; run <= 5; run += 1) {
        const env = { ...process.env };
        delete env.HOOKLOG_TEST_RESULTS;
        // Set for the processes of a test run: a nested run would report to this one instead of printing.
        delete env.NODE_TEST_CONTEXT;
        const result = spawnSync(process.execPath, [hooklogTest], { cwd: folder, env, encoding: "utf8", maxBuffer: 64 * 1024 * 1024 });
        assert.equal(result.status, 0, result.stderr);
        assert.match(result.stdout, new RegExp(`^ℹ pass ${TESTS}$`, "m"), `run ${run}: ${/^ℹ pass \d+$/m.exec(result.stdout)?.[0] ?? "no summary"}`);
      }
    } finally {
      rmSync(folder, { recursive: true, force: true });
    }
  });
});
