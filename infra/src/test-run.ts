// `npm test`: the stack up once, the hub prepared, then every workspace's type check and tests
// through Turbo against the real services, ending in one summary line for the whole run.
import { spawn } from "node:child_process";
import { existsSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { ensureChromium } from "./chromium.ts";
import { InfraError } from "./errors.ts";
import { repoRoot, stateFolder } from "./paths.ts";
import { prepareHub } from "./prepare.ts";
import { step } from "./progress.ts";
import { down, up } from "./stack.ts";

interface Tally {
  passed: number;
  failed: number;
  skipped: number;
  failures: string[];
}

/** Asynchronous on purpose: a blocked event loop would leave the stack's daemons, our children, unreaped when a test stops them. */
function run(tool: "turbo" | "biome" | "tsc", args: string[], env: NodeJS.ProcessEnv): Promise<number> {
  const child = spawn(join(repoRoot, "node_modules", ".bin", tool), args, { cwd: repoRoot, stdio: "inherit", env });
  return new Promise((resolve) => child.once("exit", (code) => resolve(code ?? 1)));
}

function workspacesWithTests(): string[] {
  const folders = [
    "infra",
    "faults",
    "cli",
    ...["packages", "services"].flatMap((parent) => {
      const path = join(repoRoot, parent);
      return existsSync(path) ? readdirSync(path).map((name) => join(parent, name)) : [];
    }),
  ];
  return folders
    .map((folder) => join(repoRoot, folder, "package.json"))
    .filter((file) => existsSync(file))
    .map((file) => JSON.parse(readFileSync(file, "utf8")) as { name: string; scripts?: Record<string, string> })
    .filter((pkg) => pkg.scripts?.test)
    .map((pkg) => pkg.name);
}

function tallyResults(folder: string): Tally {
  const tally: Tally = { passed: 0, failed: 0, skipped: 0, failures: [] };
  for (const workspace of workspacesWithTests()) {
    const file = join(folder, `${workspace.replace(/[^a-zA-Z0-9_-]+/g, "_")}.json`);
    if (!existsSync(file)) {
      tally.failed += 1;
      tally.failures.push(`${workspace}: its test run ended without a report (crashed or was not run)`);
      continue;
    }
    const result = JSON.parse(readFileSync(file, "utf8")) as Tally;
    tally.passed += result.passed;
    tally.failed += result.failed;
    tally.skipped += result.skipped;
    tally.failures.push(...result.failures.map((failure) => `${workspace}: ${failure}`));
  }
  return tally;
}

async function main(): Promise<number> {
  const started = performance.now();
  // The browser tests' Chromium: a stat when present, else an install that overlaps the stack's start.
  const chromium = ensureChromium();
  chromium.catch(() => undefined);
  // The format, lint and type checks need no stack: they run while it starts.
  const checks = (async () => {
    step("checking format and lint (biome ci; 'npm run lint:fix' fixes what it can)");
    const lint = await run("biome", ["ci", "--reporter=summary", "."], process.env);
    step("type-checking every workspace (one program: tsconfig.typecheck.json)");
    const typecheck = await run("tsc", ["-p", "tsconfig.typecheck.json"], process.env);
    return { lint, typecheck };
  })();
  checks.catch(() => undefined);
  const stack = await up();
  const keep = process.env.HOOKLOG_KEEP_STACK === "1";
  try {
    const chromiumPath = await chromium;
    await prepareHub(stack.endpoints);
    const results = stateFolder("test-results");
    rmSync(results, { recursive: true, force: true });
    stateFolder("test-results");
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      KAFKA_BROKERS: stack.endpoints.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.endpoints.schemaRegistryUrl,
      DATABASE_URL: stack.endpoints.databaseUrl,
      HOOKLOG_STATE_DIR: stack.endpoints.stateDir,
      HOOKLOG_TEST_RESULTS: results,
      CHROMIUM_PATH: chromiumPath,
      TURBO_TELEMETRY_DISABLED: "1",
    };

    const { lint, typecheck } = await checks;
    step("running every workspace's tests against the real stack");
    // Two workspaces at a time (their tests mostly wait on Kafka and Postgres), except those that
    // stop the shared Kafka under the others (infra, ingest, cli) or load a stack of their own
    // (faults): those run after, one at a time.
    const alone = ["@hooklog/infra", "@hooklog/ingest", "@hooklog/cli", "@hooklog/faults"];
    const turboTest = ["run", "test", "--continue", "--output-logs=full"];
    await run("turbo", [...turboTest, "--concurrency=2", ...alone.map((name) => `--filter=!${name}`)], env);
    await run("turbo", [...turboTest, "--concurrency=1", ...alone.map((name) => `--filter=${name}`)], env);

    const tally = tallyResults(results);
    if (typecheck !== 0) tally.failures.unshift("type check failed (see the errors above)");
    if (lint !== 0) tally.failures.unshift("format or lint check failed (see biome's report above; 'npm run lint:fix')");
    for (const failure of tally.failures) step(`FAILED ${failure}`);
    step(`finished in ${((performance.now() - started) / 1000).toFixed(0)} s`);
    console.log(`hooklog: ${tally.passed} passed, ${tally.failed} failed, ${tally.skipped} skipped`);
    return lint === 0 && typecheck === 0 && tally.failed === 0 ? 0 : 1;
  } finally {
    if (!keep && stack.started.length > 0) {
      const stopped = await down(stack.started);
      step(`stopped what this run started: ${stopped.join(", ")} (HOOKLOG_KEEP_STACK=1 keeps them)`);
    }
  }
}

try {
  process.exitCode = await main();
} catch (error) {
  if (!(error instanceof InfraError)) throw error;
  console.error(`hooklog: ${error.message}`);
  console.error(`hooklog: what to do: ${error.hint}`);
  process.exitCode = 1;
}
