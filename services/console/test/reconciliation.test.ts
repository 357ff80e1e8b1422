import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { migrateLatest } from "@hooklog/db";
// Reconciliation's run log is its table: the console reads it with SQL; the test creates it with reconciliation's own migration.
import { reconciliationMigrations } from "@hooklog/reconciliation/migrations";
import { startRecordingServer, uniqueName, type RecordingServer } from "@hooklog/testkit";
import { ALICE, type ConsoleUnderTest, signIn, startConsole } from "./harness.ts";

const RECONCILE_TOKEN = "hla_reconciliation-call-token-01";

describe("the reconciliation area", () => {
  let console_: ConsoleUnderTest;
  let reconciliation: RecordingServer;
  const source = uniqueName("recon-src");

  before(async () => {
    reconciliation = await startRecordingServer({
      status: 200,
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ status: "completed", source, provider: "stripe", runId: "7", eventsSeen: 12, gapsFound: 2, backfilled: 2, errors: [] }),
    });
    console_ = await startConsole({ overrides: { reconciliation: { url: reconciliation.url, token: RECONCILE_TOKEN } } });
    await migrateLatest(console_.db, [reconciliationMigrations]);
  });
  after(async () => {
    await console_.close();
    await reconciliation.close();
  });

  const bearer = { authorization: `Bearer ${ALICE.token}` };
  const api = (path: string, init: RequestInit = {}) =>
    fetch(`${console_.url}${path}`, { ...init, headers: { ...bearer, "content-type": "application/json", ...init.headers } });

  it("lists a source's runs newest first with window, seen, gaps, backfilled and problems, and its next run after the last one's end", async () => {
    const t = (minutes: number) => new Date(Date.UTC(2026, 0, 2, 12, minutes));
    await console_.db("reconciliation_runs").insert([
      {
        source,
        window_start: t(0),
        window_end: t(5),
        events_seen: 4,
        gaps_found: 0,
        backfilled: 0,
        errors: "[]",
        started_at: t(5),
        finished_at: t(6),
        duration_ms: 60_000,
      },
      {
        source,
        window_start: t(5),
        window_end: t(10),
        events_seen: 9,
        gaps_found: 3,
        backfilled: 2,
        errors: JSON.stringify([{ severity: "error", code: "provider_unavailable", message: "Stripe answered 503" }]),
        started_at: t(10),
        finished_at: t(11),
        duration_ms: 1500,
      },
      { source, window_start: t(10), window_end: t(15), started_at: t(15) },
    ]);

    const response = await api(`/api/reconciliation?source=${source}`);
    assert.equal(response.status, 200);
    const body = (await response.json()) as {
      sources: Array<{ source: string; nextRunAt: string | null; runs: Array<Record<string, unknown>> }>;
      nextRunBasis: string;
    };
    assert.equal(body.sources.length, 1);
    const [view] = body.sources;
    assert.deepEqual(
      view?.runs.map((run) => [run.seen, run.gaps, run.backfilled, run.finishedAt === null]),
      [
        [0, 0, 0, true],
        [9, 3, 2, false],
        [4, 0, 0, false],
      ],
    );
    assert.deepEqual(view?.runs[1]?.window, { start: t(5).toISOString(), end: t(10).toISOString() });
    assert.deepEqual(view?.runs[1]?.problems, [{ severity: "error", code: "provider_unavailable", message: "Stripe answered 503" }]);
    assert.equal(view?.nextRunAt, new Date(t(11).getTime() + 300_000).toISOString(), "the last finished run's end plus the default interval");
    assert.match(body.nextRunBasis, /RECONCILIATION_INTERVAL_SECONDS/);

    const { cookie } = await signIn(console_.url, ALICE.token);
    const page = await fetch(`${console_.url}/reconciliation?source=${source}`, { headers: { cookie } }).then((answer) => answer.text());
    assert.match(page, /Stripe answered 503/);
    assert.match(page, /data-action="POST \/api\/reconciliation\/run"/);
  });

  it("runs now: calls reconciliation's POST /reconcile with its admin token and the asked body, answers its result and records the action", async () => {
    const response = await api("/api/reconciliation/run", { method: "POST", body: JSON.stringify({ source, since: "2h" }) });
    assert.equal(response.status, 200);
    const body = (await response.json()) as { result: { status: string; backfilled: number }; summary: string };
    assert.equal(body.result.status, "completed");
    assert.equal(body.summary, `${source}: completed, 12 seen, 2 gaps, 2 backfilled`);

    const [request] = reconciliation.requests().filter((each) => (each.json as { source?: string }).source === source);
    assert.equal(request?.method, "POST");
    assert.equal(request?.path, "/reconcile");
    assert.equal(request?.headers.authorization, `Bearer ${RECONCILE_TOKEN}`);
    assert.equal(request?.headers["content-type"], "application/json");
    assert.deepEqual(request?.json, { source, since: "2h" });

    const action = await console_.db("console_actions").where({ action: "reconcile" }).whereRaw("detail->>'source' = ?", [source]).first();
    assert.equal(action?.actor, "alice");
    assert.deepEqual(action?.detail, { source, since: "2h", status: 200 });
  });

  it("passes the page form's strings on as reconciliation takes them: an empty source is every source, dryRun a boolean", async () => {
    const before = reconciliation.requests().length;
    const response = await api("/api/reconciliation/run", { method: "POST", body: JSON.stringify({ source: "", since: "", dryRun: "true" }) });
    assert.equal(response.status, 200);
    assert.deepEqual(reconciliation.requests()[before]?.json, { dryRun: true });
  });

  it("answers reconciliation's refusal with its status and error", async () => {
    reconciliation.script(
      (json) => (json as { source?: string }).source === "no-such-source",
      [
        {
          status: 404,
          headers: { "content-type": "application/json" },
          body: JSON.stringify({ error: { code: "unknown_source", message: "no source no-such-source" } }),
        },
      ],
    );
    const response = await api("/api/reconciliation/run", { method: "POST", body: JSON.stringify({ source: "no-such-source" }) });
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { error: { code: "unknown_source", message: "no source no-such-source" } });
  });

  it("refuses a body it cannot pass on, saying what it takes, without calling reconciliation", async () => {
    const before = reconciliation.requests().length;
    const response = await api("/api/reconciliation/run", { method: "POST", body: JSON.stringify({ source, dryRun: "maybe" }) });
    assert.equal(response.status, 400);
    const body = (await response.json()) as { error: { code: string; message: string } };
    assert.equal(body.error.code, "bad_input");
    assert.match(body.error.message, /"dryRun"\?: boolean/);
    assert.equal(reconciliation.requests().length, before);
  });

  it("says reconciliation is not running when nothing answers at its address (503)", async () => {
    const down = await startConsole({ overrides: { reconciliation: { url: "http://127.0.0.1:9", token: RECONCILE_TOKEN } } });
    try {
      const response = await fetch(`${down.url}/api/reconciliation/run`, {
        method: "POST",
        headers: { ...bearer, "content-type": "application/json" },
        body: JSON.stringify({ source }),
      });
      assert.equal(response.status, 503);
      const body = (await response.json()) as { error: { code: string; message: string } };
      assert.equal(body.error.code, "reconciliation_unavailable");
      assert.match(body.error.message, /is the reconciliation service running\?/);
    } finally {
      await down.close();
    }
  });

  it("refuses a limit out of range", async () => {
    const response = await api("/api/reconciliation?limit=0");
    assert.equal(response.status, 400);
    assert.match(((await response.json()) as { error: { message: string } }).error.message, /limit: a whole number of runs per source from 1 to 200/);
  });
});
