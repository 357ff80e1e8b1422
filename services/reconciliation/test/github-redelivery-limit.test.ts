import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import type { RunResult } from "../src/run-result.ts";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { delivery, startMockGitHub, type MockGitHub } from "./mock-github.ts";

const TOKEN = "ghp_reconciliationTest0123456789abcdef";
const MINUTE = 60_000;
const STUCK = { owner: "octo-org", repo: "stuck", hookId: 505 };
const EARLIER = { owner: "octo-org", repo: "earlier", hookId: 606 };

type Hook = typeof STUCK;
const hookKey = (hook: Hook): string => `${hook.owner}/${hook.repo}/${hook.hookId}`;
const hookName = (hook: Hook): string => `${hook.owner}/${hook.repo} hook ${hook.hookId}`;
const deliveriesPath = (hook: Hook): string => `/repos/${hook.owner}/${hook.repo}/hooks/${hook.hookId}/deliveries/`;

/** The attempt ids of `guid` whose redelivery was asked for since request `from`. */
function redeliveriesAsked(github: MockGitHub, hook: Hook, guid: string, from = 0): number[] {
  const ids = new Set((github.deliveries.get(hookKey(hook)) ?? []).filter((each) => each.guid === guid).map((each) => each.id));
  return github.requests
    .slice(from)
    .filter((request) => request.method === "POST" && request.path.startsWith(deliveriesPath(hook)))
    .map((request) => Number(request.path.slice(deliveriesPath(hook).length).replace("/attempts", "")))
    .filter((id) => ids.has(id));
}

async function givenUpMetric(url: string, source: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split("\n").find((each) => each.startsWith(`hooklog_reconciliation_redeliveries_given_up_total{source="${source}"}`));
  return line === undefined ? 0 : Number(line.split(" ").at(-1));
}

describe("GitHub reconciliation asks for a delivery that keeps failing at most 3 times (the default)", () => {
  let github: MockGitHub;
  let harness: ReconciliationHarness<"stuck">;

  before(async () => {
    github = await startMockGitHub({ token: TOKEN });
    harness = await startReconciliation({ stuck: { provider: "github", githubHooks: [STUCK] } }, { GITHUB_TOKEN: TOKEN, GITHUB_API_BASE: github.url });
  });

  after(async () => {
    await harness?.stop();
    await github?.close();
  });

  it("stops asking after 3 redeliveries, reports the delivery in each later run, which still completes, and still redelivers another", async () => {
    // Older than the later runs' windows (checkpoint less the 10-minute overlap): counting reaches back past them.
    const stuck = delivery({ at: Date.now() - 15 * MINUTE, statusCode: 413 });
    github.alwaysFailing.add(stuck.guid);
    github.deliveries.set(hookKey(STUCK), [delivery({ at: Date.now() - 2 * MINUTE, statusCode: 200 }), stuck]);
    const url = await harness.listen();
    const name = harness.sources.stuck.name;

    const asking: RunResult[] = [];
    for (let run = 0; run < 3; run += 1) asking.push(await harness.service.reconcile(name));
    const flaky = delivery({ at: Date.now() - 1000, statusCode: 500 });
    github.deliveries.get(hookKey(STUCK))?.unshift(flaky);
    const beforeLater = github.requests.length;
    const later = [await harness.service.reconcile(name), await harness.service.reconcile(name)];

    assert.equal(redeliveriesAsked(github, STUCK, stuck.guid).length, 3);
    assert.deepEqual(
      asking.map((result) => result.status === "completed" && result.backfilled),
      [1, 1, 1],
    );
    for (const result of later) {
      assert.ok(result.status === "completed", `${result.status}`);
      assert.equal(result.checkpointAdvanced, true);
      const limits = result.errors.filter((problem) => problem.code === "github_redelivery_limit");
      assert.equal(limits.length, 1);
      assert.equal(limits[0]?.severity, "warning");
      assert.match(limits[0]?.message ?? "", new RegExp(`^${hookName(STUCK)}: delivery ${stuck.guid} failed again after 3 redeliveries`));
    }
    assert.deepEqual(redeliveriesAsked(github, STUCK, flaky.guid, beforeLater), [flaky.id]);
    assert.deepEqual(
      later.map((result) => result.status === "completed" && result.backfilled),
      [1, 0],
    );
    const rows = await harness.runRows("stuck");
    assert.deepEqual(
      rows.map((row) => row.errors.map((problem) => problem.code)),
      [[], [], [], ["github_redelivery_limit"], ["github_redelivery_limit"]],
    );
    assert.equal(await givenUpMetric(url, name), 2);
  });
});

describe("GitHub reconciliation counts a delivery's redeliveries from GitHub's listing, past the run's window", () => {
  let github: MockGitHub;
  let harness: ReconciliationHarness<"earlier">;

  before(async () => {
    github = await startMockGitHub({ token: TOKEN });
    harness = await startReconciliation(
      { earlier: { provider: "github", githubHooks: [EARLIER] } },
      { GITHUB_TOKEN: TOKEN, GITHUB_API_BASE: github.url, RECONCILIATION_GITHUB_MAX_REDELIVERIES: "2" },
    );
  });

  after(async () => {
    await harness?.stop();
    await github?.close();
  });

  it("leaves alone a delivery redelivered twice with RECONCILIATION_GITHUB_MAX_REDELIVERIES=2, though only its newest attempt is in the window", async () => {
    const first = delivery({ at: Date.now() - 120 * MINUTE, statusCode: 413 });
    const redelivered = delivery({ guid: first.guid, at: Date.now() - 90 * MINUTE, statusCode: 413, redelivery: true });
    const newest = delivery({ guid: first.guid, at: Date.now() - 3 * MINUTE, statusCode: 413, redelivery: true });
    github.deliveries.set(hookKey(EARLIER), [newest, delivery({ at: Date.now() - 60 * MINUTE, statusCode: 200 }), redelivered, first]);
    await harness.setCheckpoint("earlier", new Date(Date.now() - 5 * MINUTE));

    const result = await harness.service.reconcile(harness.sources.earlier.name);

    assert.ok(result.status === "completed", `${result.status}`);
    assert.deepEqual({ gapsFound: result.gapsFound, backfilled: result.backfilled }, { gapsFound: 1, backfilled: 0 });
    assert.deepEqual(redeliveriesAsked(github, EARLIER, first.guid), []);
    assert.deepEqual(
      result.errors.map((problem) => [problem.severity, problem.code]),
      [["warning", "github_redelivery_limit"]],
    );
    assert.match(result.errors[0]?.message ?? "", new RegExp(`delivery ${first.guid} failed again after 2 redeliveries`));
  });
});
