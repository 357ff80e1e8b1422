#!/usr/bin/env node
// Runs the calling workspace's tests with node's test runner: the spec report on stdout and,
// when HOOKLOG_TEST_RESULTS names a folder, a JSON tally per workspace for the run's closing summary.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";

const workspace = JSON.parse(readFileSync(join(process.cwd(), "package.json"), "utf8")).name;
const resultsDir = process.env.HOOKLOG_TEST_RESULTS;
const patterns = process.argv.slice(2);

const args = [
  "--test",
  // kafkajs 2.2.4 schedules a timer with a negative delay on Node 24; harmless, and noisy in every report.
  "--disable-warning=TimeoutNegativeWarning",
  "--test-timeout=180000",
  // Once a file's tests are done, its process ends even if a client left a socket open: a kafkajs
  // consumer disconnected while a fetch was in flight once kept a finished file alive until CI's limit.
  "--test-force-exit",
  // ...which, alone, loses verdicts still in the pipe from a file's process: see flush-reports.mjs.
  `--import=${join(import.meta.dirname, "flush-reports.mjs")}`,
  // Files run one at a time: some tests stop and restart the shared Kafka, and the machine has two cores.
  "--test-concurrency=1",
  "--test-reporter=spec",
  "--test-reporter-destination=stdout",
];
if (resultsDir) {
  const safeName = workspace.replace(/[^a-zA-Z0-9_-]+/g, "_");
  args.push("--test-reporter=@hooklog/testkit/summary-reporter", `--test-reporter-destination=${join(resultsDir, `${safeName}.json`)}`);
}
args.push(...(patterns.length > 0 ? patterns : ["test/**/*.test.ts"]));

const result = spawnSync(process.execPath, args, { stdio: "inherit" });
process.exit(result.status ?? 1);
