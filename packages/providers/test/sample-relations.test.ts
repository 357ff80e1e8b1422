// Samples sent together must name each other as the provider's related events do, or a consumer
// that joins them (fulfillment's order, deployments' pull request) sees unrelated events.
import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { newSampleRelations, providerModule, type SampleRelations, type SignedDelivery } from "../src/index.ts";

const NOW = new Date("2026-03-02T09:30:00.000Z");
const secret = "whsec_c2FtcGxlLXNpZ25pbmcta2V5LWZvci10ZXN0cw==";

// biome-ignore lint/suspicious/noExplicitAny: a test reads into sample bodies of every shape
type Body = any;
const bodyOf = (delivery: SignedDelivery): Body => JSON.parse(delivery.rawBody.toString("utf8"));

/** Each type of `types` in order, as one run sends them; the bodies by type. */
async function run(provider: "stripe" | "github", types: readonly string[], related: SampleRelations | undefined) {
  const bodies: Record<string, Body> = {};
  const deliveries: Record<string, SignedDelivery> = {};
  for (const type of types) {
    const delivery = await providerModule(provider).sampleDelivery(type, { secret, now: NOW, related });
    deliveries[type] = delivery;
    bodies[type] = bodyOf(delivery);
  }
  return { bodies, deliveries };
}

describe("related Stripe samples share ids as Stripe's events do", () => {
  const types = providerModule("stripe").sampleTypes;
  const objectOf = (bodies: Record<string, Body>, type: string): Body => bodies[type].data.object;

  it("the invoice is paid by the payment intent payment_intent.succeeded names", async () => {
    const { bodies } = await run("stripe", types, newSampleRelations());

    const intent = objectOf(bodies, "payment_intent.succeeded");
    for (const type of ["invoice.paid", "invoice.payment_failed"]) {
      const [payment] = objectOf(bodies, type).payments.data;
      assert.equal(payment.payment.payment_intent, intent.id, type);
      assert.equal(payment.invoice, objectOf(bodies, type).id, type);
    }
    assert.equal(objectOf(bodies, "checkout.session.completed").payment_intent, intent.id);
  });

  it("the refunded and the disputed charge are the payment intent's latest charge", async () => {
    const { bodies } = await run("stripe", types, newSampleRelations());

    const intent = objectOf(bodies, "payment_intent.succeeded");
    assert.equal(objectOf(bodies, "charge.refunded").id, intent.latest_charge);
    assert.equal(objectOf(bodies, "charge.refunded").payment_intent, intent.id);
    assert.equal(objectOf(bodies, "charge.dispute.created").charge, intent.latest_charge);
    assert.equal(objectOf(bodies, "charge.dispute.created").payment_intent, intent.id);
  });

  it("the subscription events are about the invoice's subscription, and one customer is everywhere", async () => {
    const { bodies } = await run("stripe", types, newSampleRelations());

    const invoice = objectOf(bodies, "invoice.paid");
    for (const type of ["customer.subscription.created", "customer.subscription.updated", "customer.subscription.deleted"]) {
      assert.equal(objectOf(bodies, type).id, invoice.parent.subscription_details.subscription, type);
      assert.equal(objectOf(bodies, type).latest_invoice, invoice.id, type);
    }
    const customers = types.filter((type) => type !== "charge.dispute.created").map((type) => objectOf(bodies, type).customer);
    assert.deepEqual(new Set(customers), new Set([invoice.customer]));
  });

  it("events of a run happen one after another, before now", async () => {
    const { bodies } = await run("stripe", types, newSampleRelations());

    const created = types.map((type) => bodies[type].created as number);
    assert.deepEqual(
      created,
      created.map((_, index) => NOW.getTime() / 1000 - 60 + index),
    );
  });

  it("unrelated, every object is new", async () => {
    const { bodies } = await run("stripe", ["invoice.paid", "payment_intent.succeeded"], undefined);

    const [payment] = objectOf(bodies, "invoice.paid").payments.data;
    assert.notEqual(payment.payment.payment_intent, objectOf(bodies, "payment_intent.succeeded").id);
    assert.notEqual(objectOf(bodies, "invoice.paid").customer, objectOf(bodies, "payment_intent.succeeded").customer);
    assert.equal(bodies["invoice.paid"].created, NOW.getTime() / 1000, "unrelated, a sample happens now");
  });
});

describe("related GitHub samples are one pull request, from opened to merged", () => {
  const types = [
    "ping",
    "pull_request.opened",
    "check_run.completed",
    "pull_request.synchronize",
    "check_run.completed:failure",
    "workflow_run.completed:failure",
    "pull_request.closed:merged",
    "push",
    "issues.opened",
  ];

  it("every sample is in the same repository, and the pull request keeps its number and branch", async () => {
    const { bodies } = await run("github", types, newSampleRelations());

    assert.equal(new Set(types.map((type) => bodies[type].repository.id)).size, 1);
    const pullRequests = ["pull_request.opened", "pull_request.synchronize", "pull_request.closed:merged"].map((type) => bodies[type].pull_request);
    assert.equal(new Set(pullRequests.map((pullRequest) => pullRequest.number)).size, 1);
    assert.equal(new Set(pullRequests.map((pullRequest) => pullRequest.head.ref)).size, 1);
    assert.notEqual(bodies["issues.opened"].issue.number, pullRequests[0].number, "an issue takes the next number");
  });

  it("synchronize moves the head, and the runs after it are on the new head", async () => {
    const { bodies } = await run("github", types, newSampleRelations());

    const opened = bodies["pull_request.opened"].pull_request.head.sha;
    const synchronize = bodies["pull_request.synchronize"];
    assert.equal(synchronize.before, opened);
    assert.notEqual(synchronize.after, opened);
    assert.equal(synchronize.pull_request.head.sha, synchronize.after);
    assert.equal(bodies["check_run.completed"].check_run.head_sha, opened, "the run before the push is on the old head");
    assert.equal(bodies["check_run.completed:failure"].check_run.head_sha, synchronize.after);
    assert.equal(bodies["workflow_run.completed:failure"].workflow_run.head_sha, synchronize.after);
    assert.equal(bodies["pull_request.closed:merged"].pull_request.head.sha, synchronize.after);
  });

  it("the merge commit is push's after, and the merge is stated as deployments reads it", async () => {
    const { bodies, deliveries } = await run("github", types, newSampleRelations());

    const merged = bodies["pull_request.closed:merged"];
    assert.equal(deliveries["pull_request.closed:merged"]?.type, "pull_request.closed");
    assert.equal(merged.action, "closed");
    assert.equal(merged.pull_request.merged, true);
    assert.equal(merged.pull_request.merged_at, merged.pull_request.updated_at);
    assert.equal(merged.pull_request.merge_commit_sha, bodies.push.after);
    assert.equal(bodies.push.before, merged.pull_request.base.sha);
  });

  it("each sample's updated_at and timestamps are strictly later than the one before", async () => {
    const { bodies } = await run("github", types, newSampleRelations());

    const times = [
      bodies.ping.hook.updated_at,
      bodies["pull_request.opened"].pull_request.updated_at,
      bodies["check_run.completed"].check_run.completed_at,
      bodies["pull_request.synchronize"].pull_request.updated_at,
      bodies["check_run.completed:failure"].check_run.completed_at,
      bodies["workflow_run.completed:failure"].workflow_run.updated_at,
      bodies["pull_request.closed:merged"].pull_request.updated_at,
      bodies.push.head_commit.timestamp,
      bodies["issues.opened"].issue.updated_at,
    ].map((time: string) => Date.parse(time));
    for (const [index, time] of times.entries())
      if (index > 0) assert.ok(time > (times[index - 1] as number), `sample ${index} (${types[index]}) is not later`);
  });

  it("closed without merging is not merged, and names no merge commit", async () => {
    const { bodies } = await run("github", ["pull_request.opened", "pull_request.closed"], newSampleRelations());

    const closed = bodies["pull_request.closed"].pull_request;
    assert.deepEqual([closed.state, closed.merged, closed.merged_at, closed.merge_commit_sha], ["closed", false, null, null]);
    assert.equal(closed.number, bodies["pull_request.opened"].pull_request.number);
  });

  it("a ping names the webhook GitHub's X-GitHub-Hook-ID names", async () => {
    const { bodies, deliveries } = await run("github", ["ping"], undefined);

    assert.equal(String(bodies.ping.hook_id), deliveries.ping?.headers["x-github-hook-id"]);
    assert.equal(bodies.ping.hook.id, bodies.ping.hook_id);
    assert.equal(typeof bodies.ping.zen, "string");
    assert.match(deliveries.ping?.headers["user-agent"] ?? "", /^GitHub-Hookshot\//);
  });

  it("unrelated, each pull request sample has a head of its own", async () => {
    const { bodies } = await run("github", ["pull_request.opened", "pull_request.synchronize"], undefined);

    assert.notEqual(bodies["pull_request.synchronize"].before, bodies["pull_request.opened"].pull_request.head.sha);
  });
});
