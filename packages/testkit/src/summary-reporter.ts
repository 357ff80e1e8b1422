// A node:test reporter that writes one JSON tally of the leaf tests (a suite counts only when a hook of its failed),
// read by the root test run to print its closing "N passed, N failed" line.
interface TestEventData {
  details?: { type?: string; error?: unknown & { failureType?: string } };
  skip?: boolean | string;
  todo?: boolean | string;
  name?: string;
  file?: string;
}

interface TestEvent {
  type: string;
  data?: TestEventData;
}

/**
 * The first lines of why a test failed, so the run's closing lines say it. node:test wraps what the
 * test threw in an error whose cause is the original.
 */
function failureReason(error: unknown): string {
  const original = error instanceof Error && error.cause instanceof Error ? error.cause : error;
  const message = original instanceof Error ? `${original.name}: ${original.message}` : String(original ?? "");
  const lines = message
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line !== "");
  const reason = lines.slice(0, 4).join(" / ");
  return reason.length > 400 ? `${reason.slice(0, 400)}...` : reason;
}

export default async function* summaryReporter(source: AsyncIterable<TestEvent>): AsyncGenerator<string> {
  const tally = { passed: 0, failed: 0, skipped: 0, failures: [] as string[] };
  for await (const event of source) {
    const data = event.data;
    if (data?.details?.type === "suite") {
      // A suite fails of its own when a hook of its (before, after) throws: its tests are then only
      // "cancelled", and the cause is the suite's to tell.
      const failureType = data.details.error?.failureType;
      if (event.type === "test:fail" && failureType !== "subtestsFailed" && failureType !== "cancelledByParent") {
        tally.failed += 1;
        tally.failures.push(`${data.file ?? "?"}: ${data.name ?? "?"} (its set-up or tear-down: ${failureReason(data.details.error)})`);
      }
      continue;
    }
    if (event.type === "test:pass") {
      if (data?.skip || data?.todo) tally.skipped += 1;
      else tally.passed += 1;
    } else if (event.type === "test:fail") {
      // A todo names an open defect: node's runner reports it, and it does not fail the run.
      if (data?.todo) {
        tally.skipped += 1;
        continue;
      }
      tally.failed += 1;
      const reason = failureReason(data?.details?.error);
      tally.failures.push(`${data?.file ?? "?"}: ${data?.name ?? "?"}${reason ? ` (${reason})` : ""}`);
    }
  }
  yield `${JSON.stringify(tally)}\n`;
}
