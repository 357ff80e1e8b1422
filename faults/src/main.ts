// npm run faults: options, the run, the table; exits 1 if an event answered 2xx is not in Kafka, an
// effect was applied twice, or an expected effect is still missing after the catch-up.
import { UsageError, parseOptions, usage } from "./options.ts";
import { runFaults } from "./run.ts";

const say = (line: string): void => {
  process.stdout.write(`faults: ${line}\n`);
};

let options: ReturnType<typeof parseOptions>;
try {
  options = parseOptions(process.argv.slice(2));
} catch (error) {
  if (!(error instanceof UsageError)) throw error;
  process.stderr.write(`faults: ${error.message}\n\n${usage()}\n`);
  process.exit(2);
}
if (options === "help") {
  process.stdout.write(`${usage()}\n`);
  process.exit(0);
}

let run: Awaited<ReturnType<typeof runFaults>>;
try {
  run = await runFaults(options, say);
} catch (error) {
  // Everything the run started is stopped by now (runFaults tears down before it rethrows).
  say(`the run could not finish: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  process.exit(1);
}
process.stdout.write(`\n${run.table}\n\n`);
for (const note of run.notes) say(`note: ${note}`);
const shown = run.failures.slice(0, 50);
for (const failure of shown) say(`FAILED ${failure}`);
if (run.failures.length > shown.length) say(`... and ${run.failures.length - shown.length} more failures`);
say(`${run.failures.length === 0 ? "nothing lost, nothing doubled, every effect applied" : `${run.failures.length} failure(s)`} (${run.seconds.toFixed(0)} s)`);
process.exit(run.failures.length === 0 ? 0 : 1);
