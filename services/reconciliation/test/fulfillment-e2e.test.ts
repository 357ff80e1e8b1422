// End to end: a Stripe webhook lost on its way to ingest, recovered by reconciliation, acted on by
// fulfillment (as its own process, a black box) exactly once, however the event reaches the log later.
import { strict as assert } from "node:assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { SchemaRegistryClient } from "@hooklog/kafka";
import { consumerCaughtUp, eventually, readTopic, startServiceProcess, testStack, uniqueName, type ServiceProcess } from "@hooklog/testkit";
import { postStripeWebhook, startIngestProcess, startReconciliation, type ReconciliationHarness } from "./harness.ts";
import { startMockStripe, stripeEvents, webhookBody, type MockStripe, type StripeEventObject } from "./mock-stripe.ts";

const API_KEY = "sk_test_reconciliation_e2e_2Rt";
const fulfillmentMain = join(import.meta.dirname, "..", "..", "fulfillment", "src", "main.ts");
const skip = existsSync(fulfillmentMain) ? false : "services/fulfillment/src/main.ts does not exist yet";

describe("reconciliation and fulfillment", { skip }, () => {
  let stripe: MockStripe;
  let harness: ReconciliationHarness<"stripe">;
  const processes: ServiceProcess[] = [];
  let invoicePaid: StripeEventObject;
  let others: StripeEventObject[];
  const orderId = `pi_${uniqueName("order").replaceAll("-", "")}`;
  const fulfillmentName = uniqueName("fulfillment");
  const tasksTopic = `${uniqueName("reconciliation-e2e")}.fulfillment.TaskCreated`;

  /** The TaskCreated events about the order in fulfillment's topic, decoded, as far as the topic goes now. */
  async function tasksCreatedFor(): Promise<Array<Record<string, unknown>>> {
    const stack = await testStack();
    const registry = new SchemaRegistryClient(stack.schemaRegistryUrl);
    const messages = await readTopic(stack.kafkaBrokers, tasksTopic, { toEnd: true });
    const events = await Promise.all(messages.map(async (message) => ({ ...((await registry.decode(message.value as Buffer)) as Record<string, unknown>) })));
    return events.filter((event) => event.orderId === orderId);
  }

  before(async () => {
    const now = Math.floor(Date.now() / 1000);
    others = stripeEvents(6, { newestAt: now - 30, spacingSeconds: 20, types: ["payment_intent.succeeded", "charge.succeeded"] });
    invoicePaid = {
      ...(stripeEvents(1, { newestAt: now - 10, spacingSeconds: 1, types: ["invoice.paid"] })[0] as StripeEventObject),
      data: { object: { id: `in_${orderId.slice(3)}`, object: "invoice", payment_intent: orderId, amount_paid: 4200, currency: "eur", status: "paid" } },
    };
    stripe = await startMockStripe({ apiKey: API_KEY, events: [invoicePaid, ...others] });
    harness = await startReconciliation({ stripe: { provider: "stripe" } }, { STRIPE_API_KEY: API_KEY, STRIPE_API_BASE: stripe.url });
    processes.push(await startIngestProcess(harness.env));
    processes.push(
      await startServiceProcess(
        "fulfillment",
        {
          ...harness.env,
          FULFILLMENT_CONSUMER_NAME: fulfillmentName,
          FULFILLMENT_STRIPE_TOPIC: harness.sources.stripe.topic,
          FULFILLMENT_TASKS_TOPIC_PREFIX: tasksTopic.slice(0, -"fulfillment.TaskCreated".length),
          FULFILLMENT_RETRY_BASE_DELAY_MS: "200",
        },
        "FULFILLMENT_PORT",
      ),
    );
  });

  after(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await harness?.stop();
    await stripe?.close();
  });

  it("an invoice.paid whose webhook was lost produces its fulfillment task after a reconciliation run, exactly once", async () => {
    const [ingest] = processes as [ServiceProcess];
    for (const event of others) assert.equal((await postStripeWebhook(ingest.url, harness.sources.stripe, webhookBody(event))).status, 202);

    const run = await harness.service.reconcile(harness.sources.stripe.name, { since: new Date(Date.now() - 3_600_000) });
    await eventually(`the task of ${orderId}`, async () => (await harness.db("fulfillment_tasks").where({ order_id: orderId })).length > 0, {
      intervalMs: 100,
    });
    // Then the event reaches the log's door twice more: the late webhook, and another run over the same window.
    const late = await postStripeWebhook(ingest.url, harness.sources.stripe, webhookBody(invoicePaid));
    const again = await harness.service.reconcile(harness.sources.stripe.name, { since: new Date(Date.now() - 3_600_000) });
    // Fulfillment (its group is hooklog.<consumer name>) has handled all the log holds and relayed its outbox: whatever it emits is in the topic.
    const { kafkaBrokers } = await testStack();
    await eventually("fulfillment to have committed every message and retry", () => consumerCaughtUp(kafkaBrokers, `hooklog.${fulfillmentName}`));
    await eventually(
      "fulfillment's outbox relayed",
      async () => (await harness.db("outbox").where({ topic: tasksTopic }).whereNull("sent_at").first()) === undefined,
    );
    const created = await tasksCreatedFor();

    assert.ok(run.status === "completed" && run.backfilled === 1 && run.gapsFound === 1);
    assert.deepEqual(late, { status: 200, json: { status: "duplicate" } });
    assert.ok(again.status === "completed" && again.backfilled === 0);
    assert.equal(created.length, 1, `expected one TaskCreated for the order, found ${created.length}`);
    assert.deepEqual([created[0]?.causationEventKey, created[0]?.amount], [`${harness.sources.stripe.name}:${invoicePaid.id}`, 4200]);
  });
});
