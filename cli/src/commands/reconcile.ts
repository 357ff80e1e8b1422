// `hooklog reconcile [--source s] [--since 2h] [--dry-run]`: asks the running reconciliation service
// (POST /reconcile with the admin token) rather than running one in this process, so the run takes
// the service's lock, its configuration and its metrics like any other.
import { HooklogError, parseSince } from "@hooklog/core";
import { stateDir } from "@hooklog/infra/paths";
import type { Command } from "commander";
import { join } from "node:path";
import { CliError, UsageError } from "../errors.ts";
import type { Output } from "../output.ts";
import { contextOf } from "../program.ts";

/** A run as the service reports it (services/reconciliation/src/run-result.ts), read only as far as printing needs. */
interface ReportedRun {
  status: "completed" | "failed" | "dry-run" | "skipped" | "rejected";
  source: string;
  window?: { start: string; end: string; basis: string };
  eventsSeen?: number;
  gapsFound?: number;
  backfilled?: number;
  wouldBackfill?: number;
  checkpointAdvanced?: boolean;
  errors?: Array<{ severity: string; code: string; message: string }>;
  reason?: string;
  code?: string;
  message?: string;
}

export function registerReconcile(program: Command): void {
  program
    .command("reconcile")
    .description("have the running reconciliation service fetch what the webhooks missed from the providers' APIs")
    .option("--source <name>", "one source (default: every source it can reconcile)")
    .option("--since <when>", "from 2h, 30m, 3d ago or an ISO time, instead of the source's checkpoint")
    .option("--dry-run", "count what the provider lists and the log lacks; write nothing")
    .action(async (options: { source?: string; since?: string; dryRun?: boolean }, command: Command) => {
      const { hub, out } = await contextOf(command);
      // Read here only to fail early with a usage error: the service reads it again against its own clock.
      if (options.since !== undefined) readSince(options.since);
      const { reconciliationUrl: url } = hub();
      const token = hub().adminToken();
      if (!token) throw new CliError("there is no admin token to send", tokenSources());
      const body = {
        ...(options.source ? { source: options.source } : {}),
        ...(options.since ? { since: options.since } : {}),
        ...(options.dryRun ? { dryRun: true } : {}),
      };
      const progress = out.progress(`${options.dryRun ? "dry-running" : "reconciling"} ${options.source ?? "every reconcilable source"} at ${url}`);
      let response: Response;
      try {
        response = await fetch(`${url}/reconcile`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
          body: JSON.stringify(body),
        });
      } catch (error) {
        progress.done("no answer");
        // fetch gives up on an answer's headers after 5 minutes; the service's run goes on regardless.
        if ((error as { cause?: { code?: string } }).cause?.code === "UND_ERR_HEADERS_TIMEOUT")
          throw new CliError(
            `reconciliation at ${url} took the request but has not answered in 5 minutes; its run goes on`,
            "read the service's log or the reconciliation_runs table for the outcome, or name one --source to make the run shorter",
            { cause: error },
          );
        throw new CliError(`reconciliation is not answering at ${url}`, "start the hub (npm start), or set HOOKLOG_RECONCILIATION_URL", { cause: error });
      }
      progress.done(`answered ${response.status}`);
      const runs = runsOf(url, response.status, await answerOf(url, response));
      for (const run of runs) printRun(out, run);
      if (runs.some((run) => !succeeded(run))) process.exitCode = 1;
    });
}

const tokenSources = (): string =>
  `hooklog sends the first of HOOKLOG_ADMIN_TOKENS, else the token npm start wrote to ${join(stateDir(), "admin-token")}: set HOOKLOG_ADMIN_TOKENS to one of the service's tokens`;

/** A --since option as a time, or the usage error saying what it takes; every command with --since reads it here. */
export function readSince(text: string): Date {
  try {
    return parseSince(text);
  } catch (error) {
    if (error instanceof HooklogError && error.code === "INVALID_SINCE") throw new UsageError(error.message, "--since takes 30m, 2h, 3d or an ISO time");
    throw error;
  }
}

/** A source a dry run of every source passed over (it could not be held back) is listed, and is no failure. */
const succeeded = (run: ReportedRun): boolean =>
  run.status === "completed" || run.status === "dry-run" || (run.status === "skipped" && run.code === "not_dry_runnable");

async function answerOf(url: string, response: Response): Promise<Record<string, unknown>> {
  const text = await response.text();
  try {
    return JSON.parse(text) as Record<string, unknown>;
  } catch (error) {
    throw new CliError(
      `${url}/reconcile answered ${response.status} with something other than JSON: ${text.slice(0, 200)}`,
      "check HOOKLOG_RECONCILIATION_URL points at the reconciliation service",
      {
        cause: error,
      },
    );
  }
}

/** What to do about each refusal the service names by code. */
const REFUSAL_HINTS: Record<string, string> = {
  not_dry_runnable:
    "run it without --dry-run (GitHub is asked to redeliver what the log lacks), or set RECONCILIATION_GITHUB_MODE=fetch on the reconciliation service so its dry run writes nothing",
  not_reconcilable: "set what the message names on the reconciliation service, or leave out --source to run every source it can reconcile",
  nothing_reconcilable: "see the reconciliation service's log for why each source cannot be reconciled",
};

/** The runs an answer reports; an answer that is an error becomes the CliError it means. */
function runsOf(url: string, status: number, answer: Record<string, unknown>): ReportedRun[] {
  if (status === 401) throw new CliError(`reconciliation at ${url} refused the admin token`, tokenSources());
  const error = answer.error as { code: string; message: string } | undefined;
  if (error) {
    if (status === 400 || error.code === "unknown_source") throw new UsageError(error.message, "hooklog reconcile --help");
    throw new CliError(`reconciliation refused: ${error.message}`, REFUSAL_HINTS[error.code] ?? "see the reconciliation service's log for why");
  }
  return Array.isArray(answer.runs) ? (answer.runs as ReportedRun[]) : [answer as unknown as ReportedRun];
}

function printRun(out: Output, run: ReportedRun): void {
  const window = run.window ? ` in ${run.window.start} … ${run.window.end} (from ${run.window.basis})` : "";
  const problems = (run.errors ?? []).map((problem) => `\n  ${problem.severity} ${problem.code}: ${problem.message}`).join("");
  const text =
    run.status === "dry-run"
      ? `${run.source}: dry run — ${run.eventsSeen} event(s) listed${window}; ${run.wouldBackfill} missing from the log would be backfilled. Nothing written.`
      : run.status === "completed" || run.status === "failed"
        ? `${run.source}: ${run.status} — ${run.eventsSeen} event(s) listed${window}; ${run.gapsFound} missing, ${run.backfilled} backfilled; checkpoint ${run.checkpointAdvanced ? "moved" : "stays"}`
        : `${run.source}: ${run.status} — ${run.reason ?? run.message ?? ""}`;
  out.result(text + problems, run);
}
