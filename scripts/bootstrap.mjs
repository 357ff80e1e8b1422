#!/usr/bin/env node
// `npm start` and `npm test` land here, on whatever Node the machine has (20 is enough for this file):
// install the project's dependencies when they are missing or stale, which brings Node 24 into
// node_modules/.bin, then hand over to the real command running on that Node 24.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const commands = {
  start: "infra/src/hub.ts",
  test: "infra/src/test-run.ts",
  "bench-ingest": "services/ingest/bench/ingest.bench.ts",
  "bench-consumers": "packages/consumer-kit/bench/consumers.bench.ts",
  "bench-console": "services/console/bench/console.bench.ts",
  "bench-routes": "services/routes/bench/routes.bench.ts",
  faults: "faults/src/main.ts",
};
const command = process.argv[2];
if (!(command in commands)) {
  console.error(`usage: node scripts/bootstrap.mjs ${Object.keys(commands).join("|")}`);
  process.exit(2);
}

function say(message) {
  process.stderr.write(`hooklog: ${message}\n`);
}

function lockDigest() {
  const lock = join(root, "package-lock.json");
  return existsSync(lock) ? createHash("sha256").update(readFileSync(lock)).digest("hex") : "no-lock";
}

function ensureInstalled() {
  const marker = join(root, "node_modules", ".hooklog-installed");
  const node24 = join(root, "node_modules", "node", "bin", "node");
  const digest = lockDigest();
  if (existsSync(node24) && existsSync(marker) && readFileSync(marker, "utf8") === digest) return;

  const npm = process.platform === "win32" ? "npm.cmd" : "npm";
  const useCi = existsSync(join(root, "package-lock.json"));
  say(`installing dependencies (npm ${useCi ? "ci" : "install"}; brings Node 24 into node_modules/.bin)...`);
  const started = Date.now();
  const result = spawnSync(npm, [useCi ? "ci" : "install", "--no-audit", "--no-fund", "--loglevel=error"], { cwd: root, stdio: "inherit" });
  if (result.error?.code === "ENOENT") {
    say("npm is not on PATH. Install Node.js 20+ with npm, then run this command again.");
    process.exit(1);
  }
  if (result.status !== 0) {
    say(`npm could not install the dependencies (exit ${result.status}). Check that the npm registry is reachable, then run again.`);
    process.exit(result.status ?? 1);
  }
  if (!existsSync(node24)) {
    say("the install finished but node_modules/node/bin/node is missing: the 'node' package's install script did not run. Run 'npm rebuild node'.");
    process.exit(1);
  }
  mkdirSync(dirname(marker), { recursive: true });
  writeFileSync(marker, digest);
  say(`dependencies installed in ${Math.round((Date.now() - started) / 1000)} s`);
}

ensureInstalled();

const bin = join(root, "node_modules", ".bin");
const child = spawn(join(bin, "node"), ["--disable-warning=TimeoutNegativeWarning", join(root, commands[command]), ...process.argv.slice(3)], {
  cwd: root,
  stdio: "inherit",
  env: { ...process.env, PATH: `${bin}:${process.env.PATH ?? ""}` },
});
// Ctrl-C reaches the whole process group; the child shuts down in order, and we wait for it.
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => child.kill(signal));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
