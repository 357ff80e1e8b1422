import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { connectDatabase, type Knex } from "@hooklog/db";
import { testStack } from "@hooklog/testkit";
import { PAGERDUTY_PATH, ROUTING_KEY, SLACK_PATH, failedInvoice, githubDelivery, startAlerts, stripeEvent, token, type AlertsHarness } from "./harness.ts";
import type { RecordedRequest, RecordingServer } from "@hooklog/testkit";

/** Does the request's JSON body mention `needle` anywhere? */
const mentions = (needle: string) => (json: unknown) => JSON.stringify(json ?? null).includes(needle);

function assertJsonPost(request: RecordedRequest | undefined, path: string): void {
  assert.ok(request, "expected a request");
  assert.equal(request.method, "POST");
  assert.equal(request.path, path);
  assert.equal(request.headers["content-type"], "application/json");
}

function checkRun(conclusion: string) {
  const repository = `octo-org/shop-${token()}`;
  const id = 4_000_000_000 + Math.floor(Math.random() * 1_000_000);
  const headSha = "ce587453ced02b1526dfb4cb910479d431683101";
  const payload = {
    action: "completed",
    check_run: { id, name: "build", head_sha: headSha, status: "completed", conclusion, html_url: `https://github.com/${repository}/runs/${id}` },
    repository: { full_name: repository, name: repository.split("/")[1], private: false },
    sender: { login: "octocat" },
  };
  return { repository, id, headSha, delivery: githubDelivery("check_run", payload) };
}

// Tests run one after another: they share one ingest, fulfillment and alerts, and the Slack and PagerDuty servers.
describe("alerts tells Slack and PagerDuty once per event", () => {
  let hub: AlertsHarness;
  let db: Knex;

  before(async () => {
    hub = await startAlerts();
    db = connectDatabase((await testStack()).databaseUrl, { applicationName: "alerts-test" });
  });

  after(async () => {
    await db?.destroy();
    await hub?.stop();
  });

  /** Waits for the first request matching `needle` that the server accepted, and returns every one there is. */
  async function deliveredRequests(server: RecordingServer, needle: string): Promise<RecordedRequest[]> {
    await hub.eventually(`a delivered request about ${needle}`, () => server.requestsMatching(mentions(needle)).some((request) => request.status < 300));
    return server.requestsMatching(mentions(needle));
  }

  /**
   * Alerts has processed the one TaskCreated of `taskId` and fulfillment has nothing left to send about
   * it (the event id, and so the outbox key, is the task's): no other message about the task can come.
   */
  async function taskAnnounced(taskId: string): Promise<void> {
    const eventId = `task-created:${taskId}`;
    await hub.eventually(`alerts to process ${eventId}`, async () =>
      Boolean(
        await db("processed_events")
          .where({ event_key: `fulfillment.TaskCreated:${eventId}` })
          .first(),
      ),
    );
    const unsent = await db("outbox").where({ message_key: eventId }).whereNull("sent_at").count<Array<{ count: string }>>("* as count");
    assert.equal(Number(unsent[0]?.count), 0, "fulfillment has relayed every TaskCreated of the task");
  }

  it("posts one Slack message about the task fulfillment creates for a paid invoice", async () => {
    const suffix = token();
    const orderId = `pi_${suffix}`;
    const paid = stripeEvent("invoice.paid", { id: `in_${suffix}`, object: "invoice", payment_intent: orderId, amount_paid: 4200, currency: "eur" });

    assert.equal(await hub.deliverStripe(paid), 202);
    await taskAnnounced(`task_${orderId}`);
    const messages = await deliveredRequests(hub.slack, orderId);

    assert.equal(messages.length, 1, `expected one Slack message, got ${messages.length}`);
    assertJsonPost(messages[0], SLACK_PATH);
    assert.deepEqual(messages[0]?.json, { text: `New fulfillment task task_${orderId} for order ${orderId} (42.00 EUR)` });
  });

  it("posts one Slack message for a failed invoice payment, however often Stripe redelivers it and Kafka repeats it", async () => {
    const invoiceId = `in_${token()}`;
    const event = failedInvoice(invoiceId);
    const duplicatesBefore = await hub.metric("hooklog_consumer_duplicates_skipped_total");

    const statuses = [];
    for (let delivery = 0; delivery < 4; delivery += 1) statuses.push(await hub.deliverStripe(event));
    await hub.processed("stripe", event.id);
    // Ingest answers a redelivery 200 duplicate; a producer retry can still put a copy in the log.
    const copies = await hub.duplicateStripeMessages(invoiceId);
    await hub.eventually(
      `${copies} copies skipped as duplicates`,
      async () => (await hub.metric("hooklog_consumer_duplicates_skipped_total")) >= duplicatesBefore + copies,
    );
    // The skipped copy is the marker: everything before it on the partition has been handled.
    const messages = await deliveredRequests(hub.slack, invoiceId);

    assert.deepEqual(statuses, [202, 200, 200, 200]);
    assert.equal(copies, 1);
    assert.equal(messages.length, 1, `expected one Slack message, got ${messages.length}`);
    assertJsonPost(messages[0], SLACK_PATH);
    assert.deepEqual(messages[0]?.json, {
      text: `Payment failed: invoice ${invoiceId} for 42.00 EUR, customer cus_NffrFeUfNV2Hib (jenny.rosen@example.com), attempt 2`,
    });
  });

  it("posts one Slack message for a new dispute with its amount and reason", async () => {
    const disputeId = `dp_${token()}`;
    const event = stripeEvent("charge.dispute.created", {
      id: disputeId,
      object: "dispute",
      amount: 1999,
      currency: "usd",
      reason: "fraudulent",
      charge: "ch_3MmlLrLkdIwHu7ix0snN0B15",
      status: "needs_response",
    });

    assert.equal(await hub.deliverStripe(event), 202);
    await hub.processed("stripe", event.id);
    await hub.caughtUp();
    const messages = await deliveredRequests(hub.slack, disputeId);

    assert.equal(messages.length, 1, `expected one Slack message, got ${messages.length}`);
    assertJsonPost(messages[0], SLACK_PATH);
    assert.deepEqual(messages[0]?.json, { text: `Dispute opened: ${disputeId} for 19.99 USD on charge ch_3MmlLrLkdIwHu7ix0snN0B15, reason fraudulent` });
  });

  it("pages PagerDuty once for a failed check_run, with the routing key and a dedup key of the run, and not for a successful one", async () => {
    const failed = checkRun("failure");
    const passed = checkRun("success");

    assert.equal(await hub.deliverGithub(passed.delivery), 202);
    assert.equal(await hub.deliverGithub(failed.delivery), 202);
    await hub.processed("github", passed.delivery.id);
    // Its processed mark commits after its page: once it is there, the event has done all it does.
    await hub.processed("github", failed.delivery.id);
    const pages = await deliveredRequests(hub.pagerDuty, failed.repository);

    assert.deepEqual(hub.pagerDuty.requestsMatching(mentions(passed.repository)), []);
    assert.equal(pages.length, 1, `expected one page, got ${pages.length}`);
    assertJsonPost(pages[0], PAGERDUTY_PATH);
    assert.deepEqual(pages[0]?.json, {
      routing_key: ROUTING_KEY,
      event_action: "trigger",
      dedup_key: `github:${failed.repository}:check_run:${failed.id}`,
      payload: {
        summary: `GitHub check_run "build" failed in ${failed.repository} (${failed.headSha.slice(0, 7)})`,
        source: failed.repository,
        severity: "error",
        component: "build",
        custom_details: {
          kind: "check_run",
          id: failed.id,
          conclusion: "failure",
          head_sha: failed.headSha,
          url: `https://github.com/${failed.repository}/runs/${failed.id}`,
        },
      },
    });
  });

  it("pages PagerDuty for a failed workflow_run with a dedup key of the run and the workflow as component", async () => {
    const repository = `octo-org/shop-${token()}`;
    const delivery = githubDelivery("workflow_run", {
      action: "completed",
      workflow_run: {
        id: 30433642,
        name: "CI",
        head_branch: "main",
        head_sha: "acb5820ced9479c074f688cc328bf03f341a511d",
        conclusion: "failure",
        run_attempt: 1,
      },
      repository: { full_name: repository },
    });

    assert.equal(await hub.deliverGithub(delivery), 202);
    await hub.processed("github", delivery.id);
    const pages = await deliveredRequests(hub.pagerDuty, repository);

    assert.equal(pages.length, 1, `expected one page, got ${pages.length}`);
    const page = pages[0]?.json as { dedup_key: string; payload: { summary: string; component: string } };
    assert.equal(page.dedup_key, `github:${repository}:workflow_run:30433642`);
    assert.equal(page.payload.summary, `GitHub workflow_run "CI" failed in ${repository} (main @ acb5820)`);
    assert.equal(page.payload.component, "CI");
  });

  it("delivers exactly one Slack message when Slack answers 503 with Retry-After twice, waiting as told before each retry", async () => {
    const invoiceId = `in_${token()}`;
    const unavailable = { status: 503, headers: { "retry-after": "1", "content-type": "text/plain" }, body: "service_unavailable" };
    hub.slack.script(mentions(invoiceId), [unavailable, unavailable]);

    const event = failedInvoice(invoiceId);
    assert.equal(await hub.deliverStripe(event), 202);
    // Processed only once an attempt has posted: the retries before it are all in.
    await hub.processed("stripe", event.id);
    await hub.caughtUp();
    const attempts = await deliveredRequests(hub.slack, invoiceId);

    assert.deepEqual(
      attempts.map((attempt) => attempt.status),
      [503, 503, 200],
    );
    for (const attempt of attempts) assertJsonPost(attempt, SLACK_PATH);
    assert.deepEqual(attempts[1]?.json, attempts[0]?.json);
    assert.deepEqual(attempts[2]?.json, attempts[0]?.json);
    const [first, second, third] = attempts.map((attempt) => attempt.receivedAt) as [number, number, number];
    assert.ok(second - first >= 1000, `the second attempt came ${second - first} ms after the first, before Retry-After`);
    assert.ok(third - second >= 1000, `the third attempt came ${third - second} ms after the second, before Retry-After`);
  });
});
