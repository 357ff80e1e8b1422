import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { delivery, startMockGitHub, type DeliveryObject, type MockGitHub } from "./mock-github.ts";

const TOKEN = "ghp_reconciliationTest0123456789abcdef";
const MINUTE = 60_000;
const SHOP = { owner: "octo-org", repo: "shop", hookId: 101 };
const BILLING = { owner: "octo-org", repo: "billing", hookId: 202 };
const PENDING = { owner: "octo-org", repo: "pending", hookId: 303 };
const LIMITED = { owner: "octo-org", repo: "limited", hookId: 404 };

const hookKey = (hook: { owner: string; repo: string; hookId: number }): string => `${hook.owner}/${hook.repo}/${hook.hookId}`;
const attemptsPath = (hook: { owner: string; repo: string; hookId: number }, id: number): string =>
  `/repos/${hook.owner}/${hook.repo}/hooks/${hook.hookId}/deliveries/${id}/attempts`;
const newestFirst = (deliveries: DeliveryObject[]): DeliveryObject[] =>
  deliveries.sort((a, b) => Date.parse(b.delivered_at) - Date.parse(a.delivered_at) || b.id - a.id);
/** A time within the last `minutes`, spread so deliveries interleave. */
const within = (minutes: number): number => Date.now() - 5000 - Math.floor(Math.random() * minutes * MINUTE);

describe("GitHub reconciliation redelivers what failed, once", () => {
  let github: MockGitHub;
  let harness: ReconciliationHarness<"github" | "pending" | "limited">;
  const expectedRedeliveries: string[] = [];
  const leftAlone: string[] = [];
  let windowStart: Date;

  before(async () => {
    github = await startMockGitHub({ token: TOKEN });
    harness = await startReconciliation(
      {
        github: { provider: "github", githubHooks: [SHOP, BILLING] },
        pending: { provider: "github", githubHooks: [PENDING] },
        limited: { provider: "github", githubHooks: [LIMITED] },
      },
      { GITHUB_TOKEN: TOKEN, GITHUB_API_BASE: github.url },
    );
    const shop: DeliveryObject[] = [];
    for (let index = 0; index < 200; index += 1) shop.push(delivery({ at: within(50), statusCode: 200 }));
    // Failed and never delivered since: 500s, timeouts (status_code 0) and 502s. Few: GitHub asks for
    // a second between writes, which Octokit keeps, so each redelivery costs the test a second.
    for (let index = 0; index < 6; index += 1) {
      const failed = delivery({ at: within(50), statusCode: [500, 0, 502][index % 3] as number });
      shop.push(failed);
      expectedRedeliveries.push(attemptsPath(SHOP, failed.id));
    }
    // Failed, then redelivered successfully: nothing to do.
    for (let index = 0; index < 10; index += 1) {
      const failed = delivery({ at: within(50) - 10 * MINUTE, statusCode: 503 });
      shop.push(failed, delivery({ guid: failed.guid, at: Date.parse(failed.delivered_at) + 5 * MINUTE, statusCode: 200, redelivery: true }));
      leftAlone.push(failed.guid);
    }
    // Failed twice (a redelivery failed too): redelivered once, the latest attempt.
    for (let index = 0; index < 5; index += 1) {
      const failed = delivery({ at: within(50) - 10 * MINUTE, statusCode: 500 });
      const again = delivery({ guid: failed.guid, at: Date.parse(failed.delivered_at) + 2 * MINUTE, statusCode: 0, redelivery: true });
      shop.push(failed, again);
      expectedRedeliveries.push(attemptsPath(SHOP, again.id));
    }
    // Failed as GitHub saw it (ingest answered too late), but in the log: the ledger knows the guid.
    for (let index = 0; index < 3; index += 1) {
      const failed = delivery({ at: within(50), statusCode: 0 });
      shop.push(failed);
      leftAlone.push(failed.guid);
      await harness.db("accepted_events").insert({
        source: harness.sources.github.name,
        provider_event_id: failed.guid,
        event_id: randomUUID(),
        topic: harness.sources.github.topic,
        origin: "webhook",
      });
    }
    // Older than the window: neither looked at nor paged through.
    for (let index = 0; index < 150; index += 1)
      shop.push(delivery({ at: Date.now() - 2 * 60 * MINUTE - index * MINUTE, statusCode: index % 2 === 0 ? 500 : 200 }));
    github.deliveries.set(hookKey(SHOP), newestFirst(shop));

    const billing = [
      delivery({ at: within(30), statusCode: 200 }),
      delivery({ at: within(30), statusCode: 500 }),
      delivery({ at: within(30), statusCode: 404 }),
    ];
    for (const failed of billing.filter((each) => each.status_code >= 400)) expectedRedeliveries.push(attemptsPath(BILLING, failed.id));
    github.deliveries.set(hookKey(BILLING), newestFirst(billing));

    const checkpoint = new Date(Date.now() - 50 * MINUTE);
    windowStart = new Date(checkpoint.getTime() - 10 * MINUTE);
    await harness.setCheckpoint("github", checkpoint);
  });

  after(async () => {
    await harness?.stop();
    await github?.close();
  });

  it("redelivers each failed delivery once across Link-header pages, and leaves those redelivered successfully or already in the log alone", async () => {
    const before = github.requests.length;

    const result = await harness.service.reconcile(harness.sources.github.name);
    const asked = github.requests.slice(before);

    assert.equal(result.status, "completed");
    assert.ok(result.status === "completed");
    assert.deepEqual(
      { eventsSeen: result.eventsSeen, gapsFound: result.gapsFound, backfilled: result.backfilled, errors: result.errors },
      { eventsSeen: 227, gapsFound: 13, backfilled: 13, errors: [] },
    );
    const posts = asked.filter((request) => request.method === "POST");
    assert.deepEqual(posts.map((request) => request.path).sort(), [...expectedRedeliveries].sort());
    const leftAlonePaths = (github.deliveries.get(hookKey(SHOP)) ?? [])
      .filter((each) => leftAlone.includes(each.guid))
      .map((each) => attemptsPath(SHOP, each.id));
    assert.deepEqual(
      posts.filter((request) => leftAlonePaths.includes(request.path)),
      [],
    );
    // Three pages of the shop hook (the third reaches past the window), one of billing.
    const lists = asked.filter((request) => request.method === "GET");
    assert.deepEqual(
      lists.map((request) => [request.path, request.query.get("per_page"), request.query.get("cursor") !== null]),
      [
        ["/repos/octo-org/shop/hooks/101/deliveries", "100", false],
        ["/repos/octo-org/shop/hooks/101/deliveries", "100", true],
        ["/repos/octo-org/shop/hooks/101/deliveries", "100", true],
        ["/repos/octo-org/billing/hooks/202/deliveries", "100", false],
      ],
    );
    for (const request of asked) assert.equal(request.authorization, `token ${TOKEN}`);
  });

  it("a second run over the same window asks for nothing new", async () => {
    const before = github.requests.length;

    const result = await harness.service.reconcile(harness.sources.github.name, { since: windowStart });
    const posts = github.requests.slice(before).filter((request) => request.method === "POST");

    assert.equal(result.status, "completed");
    assert.ok(result.status === "completed");
    assert.deepEqual({ gapsFound: result.gapsFound, backfilled: result.backfilled }, { gapsFound: 0, backfilled: 0 });
    assert.deepEqual(posts, []);
  });

  it("does not ask again for a redelivery GitHub accepted but has not carried out yet, and asks again once that attempt failed too", async () => {
    const failed = delivery({ at: within(20), statusCode: 500 });
    github.deliveries.set(hookKey(PENDING), [delivery({ at: within(20), statusCode: 200 }), failed]);
    github.listRedeliveries = false;
    const posts = (from: number, to?: number): string[] =>
      github.requests
        .slice(from, to)
        .filter((request) => request.method === "POST")
        .map((request) => request.path);

    const first = github.requests.length;
    await harness.service.reconcile(harness.sources.pending.name);
    const second = github.requests.length;
    const notYet = await harness.service.reconcile(harness.sources.pending.name, { since: new Date(Date.now() - 30 * MINUTE) });
    const againFailed = delivery({ guid: failed.guid, at: Date.now() - 1000, statusCode: 502, redelivery: true });
    github.deliveries.get(hookKey(PENDING))?.unshift(againFailed);
    const third = github.requests.length;
    await harness.service.reconcile(harness.sources.pending.name, { since: new Date(Date.now() - 30 * MINUTE) });
    github.listRedeliveries = true;

    assert.deepEqual(posts(first, second), [attemptsPath(PENDING, failed.id)]);
    assert.deepEqual(posts(second, third), []);
    assert.ok(notYet.status === "completed" && notYet.gapsFound === 1 && notYet.backfilled === 0);
    assert.deepEqual(posts(third), [attemptsPath(PENDING, againFailed.id)]);
  });

  it("waits out a secondary rate limit's Retry-After and a primary limit's reset, then completes", async () => {
    const deliveries = newestFirst([
      ...Array.from({ length: 250 }, () => delivery({ at: within(20), statusCode: 200 })),
      delivery({ at: within(20), statusCode: 500 }),
    ]);
    github.deliveries.set(hookKey(LIMITED), deliveries);
    github.rateLimitAt(1, "secondary");
    github.rateLimitAt(3, "primary");
    const before = github.requests.length;
    const started = Date.now();

    const result = await harness.service.reconcile(harness.sources.limited.name);
    const asked = github.requests.slice(before);

    assert.equal(result.status, "completed");
    assert.ok(result.status === "completed");
    assert.equal(result.backfilled, 1);
    assert.deepEqual(
      asked.map((request) => `${request.method} ${request.status} ${request.query.get("cursor") ?? ""}`.trim()),
      [
        "GET 200",
        `GET 403 ${asked[1]?.query.get("cursor")}`,
        `GET 200 ${asked[1]?.query.get("cursor")}`,
        `GET 429 ${asked[3]?.query.get("cursor")}`,
        `GET 200 ${asked[3]?.query.get("cursor")}`,
        "POST 202",
      ],
    );
    assert.ok(Date.now() - started >= 1000, "Retry-After: 1 was waited out");
    const retries = harness.logLines().filter((line) => line.provider === "github" && line.reason === "rate_limited");
    assert.deepEqual(
      retries.map((line) => line.status),
      [403, 429],
    );
    for (const line of retries) assert.match(String(line.requestId), /^CAFE:/);
    assert.ok(!harness.logText().includes(TOKEN));
  });
});
