// The routes service on the real stack: ingest takes signed Stripe events, the routes service delivers
// them to a receiver that verifies Standard Webhooks signatures, a Slack stand-in and an SMTP server.
import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { mkdtemp, writeFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { deadLetterTopic, groupId, replay } from "@hooklog/consumer-kit";
import { connectDatabase, type Knex } from "@hooklog/db";
import { createKafka, ensureTopics } from "@hooklog/kafka";
import { deliveryAttempts, pruneDeliveryAttempts, recordCircuit, recordDeliveryAttempt, routeCircuits } from "@hooklog/routes";
import { secretEnvVar } from "@hooklog/sources";
import {
  consumerCaughtUp,
  eventually,
  readTopic,
  startRecordingServer,
  startServiceProcess,
  testStack,
  uniqueName,
  type RecordingServer,
  type ServiceProcess,
} from "@hooklog/testkit";
import { SMTPServer } from "smtp-server";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";

const token = (): string => randomBytes(6).toString("hex");

/** A receiver that verifies every delivery with the standardwebhooks library, and fails while told to. */
async function startVerifyingReceiver(secret: string) {
  const verified: Array<{ id: string; body: { order: string; total: number; sequence: number } }> = [];
  let refused = 0;
  let failing = false;
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on("data", (chunk: Buffer) => chunks.push(chunk));
    request.on("end", () => {
      if (failing) {
        refused += 1;
        response.writeHead(503).end("down for maintenance");
        return;
      }
      try {
        const body = new Webhook(secret).verify(Buffer.concat(chunks), request.headers as Record<string, string>) as (typeof verified)[number]["body"];
        verified.push({ id: String(request.headers["webhook-id"]), body });
        response.writeHead(204).end();
      } catch (error) {
        response.writeHead(400).end((error as Error).message);
      }
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/orders`,
    verified,
    refused: () => refused,
    fail: (on: boolean) => {
      failing = on;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** An SMTP server that records each message it is given. */
async function startMailbox() {
  const messages: Array<{ to: string[]; data: string }> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        messages.push({ to: session.envelope.rcptTo.map((recipient) => recipient.address), data: Buffer.concat(chunks).toString("utf8") });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as AddressInfo;
  return { url: `smtp://127.0.0.1:${port}`, messages, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

describe("the routes service", () => {
  const source = `stripe-${token()}`;
  const topic = uniqueName("webhooks.stripe");
  const stripeSecret = `whsec_${randomBytes(16).toString("hex")}`;
  const routeSecret = `whsec_${randomBytes(24).toString("base64")}`;
  const prefix = `r${token()}`;
  const route = "paid";
  let receiver: Awaited<ReturnType<typeof startVerifyingReceiver>>;
  let flaky: Awaited<ReturnType<typeof startVerifyingReceiver>>;
  let slack: RecordingServer;
  let mailbox: Awaited<ReturnType<typeof startMailbox>>;
  const processes: ServiceProcess[] = [];
  let routesEnv: Record<string, string> = {};
  let db: Knex;
  /** The hub's ids of the events posted, in order. */
  const hubIds: string[] = [];
  let brokers = "";
  const output = (): string => processes.map((service) => service.output().slice(-4000)).join("\n");
  const routesLog = (): string => processes[1]?.output() ?? "";

  before(async () => {
    const stack = await testStack();
    brokers = stack.kafkaBrokers;
    db = connectDatabase(stack.databaseUrl);
    receiver = await startVerifyingReceiver(routeSecret);
    flaky = await startVerifyingReceiver(routeSecret);
    flaky.fail(true);
    slack = await startRecordingServer({ status: 200, headers: { "content-type": "text/plain" }, body: "ok" });
    mailbox = await startMailbox();
    const directory = await mkdtemp(join(tmpdir(), "hooklog-routes-test-"));
    const configPath = join(directory, "hooklog.config.yaml");
    const file = {
      sources: { [source]: { provider: "stripe", topic, partitions: 3 } },
      routes: {
        [route]: {
          from: { sources: [source], types: ["invoice.paid"] },
          filter: { data: { object: { amount_paid: { $gte: 10000 } } } },
          to: [
            {
              name: "orders",
              url: {
                url: receiver.url,
                body: '{ "order": data.object.id, "total": data.object.amount_paid, "sequence": data.object.metadata.sequence }',
                secretEnv: "ORDERS_HOOK_SECRET",
              },
            },
            {
              slack: {
                webhookUrlEnv: "SALES_SLACK_WEBHOOK_URL",
                text: '"Paid: " & data.object.customer_email & " #" & $string(data.object.metadata.sequence)',
              },
            },
            {
              email: {
                to: "data.object.customer_email",
                subject: '"Receipt " & data.object.number',
                text: '"Thank you for " & $string(data.object.amount_paid / 100)',
              },
            },
          ],
        },
        probe: {
          from: { sources: [source] },
          filter: { data: { object: { metadata: { circuit: true } } } },
          // Two attempts only: an event that waited on a paused destination had them counted, it would be dead-lettered.
          maxAttempts: 2,
          circuit: { failures: 2, probeSeconds: 0.2, maxProbeSeconds: 0.4 },
          to: [
            {
              name: "flaky",
              url: {
                url: flaky.url,
                body: '{ "order": data.object.id, "total": data.object.amount_paid, "sequence": data.object.metadata.sequence }',
                secretEnv: "ORDERS_HOOK_SECRET",
              },
            },
          ],
        },
      },
    };
    await writeFile(configPath, JSON.stringify(file));
    await ensureTopics(createKafka({ clientId: "routes-test", brokers: brokers.split(",") }), [{ name: topic, partitions: 3 }]);
    const common = {
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      DATABASE_URL: stack.databaseUrl,
      HOOKLOG_CONFIG: configPath,
    };
    processes.push(await startServiceProcess("ingest", { ...common, [secretEnvVar(source)]: stripeSecret }, "INGEST_PORT"));
    routesEnv = {
      ...common,
      ROUTES_CONSUMER_PREFIX: prefix,
      ROUTES_RETRY_BASE_DELAY_MS: "100",
      LOG_LEVEL: "info",
      ORDERS_HOOK_SECRET: routeSecret,
      SALES_SLACK_WEBHOOK_URL: `${slack.url}/services/T0/B0/secret-path`,
      SMTP_URL: mailbox.url,
    };
    processes.push(await startServiceProcess("routes", routesEnv, "ROUTES_PORT"));
  });

  after(async () => {
    await Promise.all(processes.map((service) => service.stop()));
    await Promise.all([receiver?.close(), flaky?.close(), slack?.close(), mailbox?.close(), db?.destroy()]);
  });

  async function postInvoicePaid(sequence: number, amountPaid: number, extra: Record<string, unknown> = {}): Promise<string> {
    const id = `evt_${token()}`;
    const object = {
      id: "in_routes_1",
      object: "invoice",
      number: `A-${sequence}`,
      customer_email: "ada@example.com",
      amount_paid: amountPaid,
      metadata: { sequence },
      ...extra,
    };
    const body = JSON.stringify({ id, object: "event", type: "invoice.paid", created: Math.floor(Date.now() / 1000), data: { object } });
    const response = await fetch(`${processes[0]?.url}/webhooks/${source}`, {
      method: "POST",
      headers: { "content-type": "application/json", "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload: body, secret: stripeSecret }) },
      body,
    });
    const answer = await response.text();
    assert.equal(response.status, 202, answer);
    hubIds.push((JSON.parse(answer) as { eventId: string }).eventId);
    return id;
  }

  it("fans out to three destinations; one failing for a while delivers each event once when it is back, in order, and the others never wait for it", async () => {
    receiver.fail(true);
    await postInvoicePaid(1, 12_000);
    await postInvoicePaid(2, 500); // under the filter's threshold: delivered nowhere
    await postInvoicePaid(3, 15_000);
    await postInvoicePaid(4, 20_000);

    await eventually("Slack and the mailbox to get the three events the filter takes", () => slack.requests().length >= 3 && mailbox.messages.length >= 3, {
      context: output,
    });
    assert.ok(receiver.refused() >= 1, "the failing destination was tried");
    assert.equal(receiver.verified.length, 0);
    assert.deepEqual(
      slack.requests().map((request) => (request.json as { text: string }).text),
      ["Paid: ada@example.com #1", "Paid: ada@example.com #3", "Paid: ada@example.com #4"],
    );
    assert.equal(slack.requests()[0]?.path, "/services/T0/B0/secret-path");
    assert.deepEqual(
      mailbox.messages.map((message) => message.to),
      [["ada@example.com"], ["ada@example.com"], ["ada@example.com"]],
    );
    assert.match(mailbox.messages[0]?.data ?? "", /Subject: Receipt A-1/);
    assert.match(mailbox.messages[0]?.data ?? "", /Thank you for 120/);

    receiver.fail(false);
    await eventually("the receiver to verify the three deliveries once it is back", () => receiver.verified.length >= 3, { context: output });
    assert.deepEqual(
      receiver.verified.map((delivery) => delivery.body.sequence),
      [1, 3, 4],
      "delivered in the order of the log",
    );
    assert.equal(new Set(receiver.verified.map((delivery) => delivery.id)).size, 3);
    assert.equal(slack.requests().length, 3, "Slack got nothing twice");
    assert.equal(mailbox.messages.length, 3, "no mail was sent twice");

    // Every attempt is kept: the failed ones with the destination's answer, then the delivery.
    const firstEvent = hubIds[0] as string;
    const attempts = await deliveryAttempts(db, firstEvent);
    const orders = attempts.filter((attempt) => attempt.destination === "orders");
    assert.ok(orders.length >= 2, JSON.stringify(orders));
    assert.deepEqual(
      orders.map((attempt) => [attempt.outcome, attempt.response?.status]),
      [...orders.slice(0, -1).map(() => ["failed", 503]), ["delivered", 204]],
    );
    const [first] = orders;
    assert.ok(first?.request.kind === "http");
    assert.equal(first.request.url, receiver.url);
    assert.equal(first.request.body, JSON.stringify({ order: "in_routes_1", total: 12_000, sequence: 1 }));
    assert.match(first.request.headers["webhook-signature"] ?? "", /^v1,/);
    assert.equal(first.response?.body, "down for maintenance");
    assert.match(first.error ?? "", /answered 503: down for maintenance/);
    assert.doesNotMatch(JSON.stringify(attempts), /secret-path/, "the Slack URL's path is a secret");
    assert.ok(!JSON.stringify(attempts).includes(routeSecret), "the signing secret is never kept");
    const slackAttempt = attempts.find((attempt) => attempt.destination === "slack");
    assert.ok(slackAttempt?.request.kind === "http");
    assert.equal(slackAttempt.request.url, `${slack.url}/…`, "a Slack URL is a secret: its origin only");
    assert.deepEqual(
      attempts.map((attempt) => [attempt.route, attempt.eventId]).filter(([route, eventId]) => route !== "paid" || eventId !== firstEvent),
      [],
    );
  });

  it("dead-letters an event whose mapping yields nothing for one destination, naming the field, and delivers it to the others", async () => {
    const before = { slack: slack.requests().length, orders: receiver.verified.length };
    const id = await postInvoicePaid(5, 30_000, { customer_email: undefined });
    const dead = await eventually(
      "the event in the email destination's dead letters",
      async () => {
        const messages = await readTopic(brokers, deadLetterTopic(`${prefix}-${route}-email`), { toEnd: true, timeoutMs: 5_000 }).catch(() => []);
        return messages.find((message) => message.value?.toString("utf8").includes(id)) ?? false;
      },
      { context: output },
    );
    assert.match(String(dead.headers["hooklog-error"]), /routes\.paid\.to\[2\]\.email\.to: "data\.object\.customer_email" gave nothing for this event/);
    await eventually(
      "the other two destinations to deliver it",
      () => slack.requests().length === before.slack + 1 && receiver.verified.length === before.orders + 1,
      {
        context: output,
      },
    );
    assert.deepEqual(slack.requests().at(-1)?.json, { text: "Paid:  #5" }, "JSONata's & reads a missing field as empty text");
  });

  it("pauses a destination that keeps failing, probes it, and delivers what waited once, in order, when it recovers, spending no attempt on the wait", async () => {
    for (const sequence of [11, 12, 13]) await postInvoicePaid(sequence, 100, { metadata: { sequence, circuit: true } });
    await eventually(
      "the circuit to open, and probes after it",
      () => routesLog().includes("probe/flaky: 2 deliveries failed in a row") && flaky.refused() >= 4,
      {
        context: output,
      },
    );
    const consumer = `${prefix}-probe-flaky`;
    const opened = await eventually(
      "the open circuit, written for the console and hooklog routes list",
      async () => (await routeCircuits(db)).get(consumer)?.open === true,
    );
    assert.ok(opened);
    flaky.fail(false);
    await eventually("the three deliveries once the destination is back", () => flaky.verified.length >= 3, { context: output });
    assert.deepEqual(
      flaky.verified.map((delivery) => delivery.body.sequence),
      [11, 12, 13],
    );
    await eventually("the circuit to close", () => routesLog().includes("probe/flaky: delivered again; deliveries resume in order"), { context: output });
    await eventually("the closed circuit, written", async () => (await routeCircuits(db)).get(consumer)?.open === false);
    const dead = await readTopic(brokers, deadLetterTopic(consumer), { toEnd: true, timeoutMs: 5_000 });
    assert.equal(dead.length, 0, "nothing was dead-lettered");
  });

  it("delivers nothing twice when a route's destination is replayed from the beginning of the log", async () => {
    const consumer = `${prefix}-paid-slack`;
    await eventually("the Slack destination to have committed everything", () => consumerCaughtUp(brokers, groupId(consumer)), { context: output });
    const sent = slack.requests().length;
    assert.ok(sent >= 4, `Slack got ${sent}`);
    await processes[1]?.stop();
    // Left open by a service that stopped while the destination was down: the next start closes it.
    await recordCircuit(db, { consumer, route: "paid", destination: "slack", open: true, failures: 5, lastError: "Slack answered 503" });
    await replay(consumer, { kafkaBrokers: brokers.split(","), topics: [topic] });
    processes[1] = await startServiceProcess("routes", routesEnv, "ROUTES_PORT");
    await eventually("the replayed destination to have read the log again to its end", () => consumerCaughtUp(brokers, groupId(consumer)), { context: output });
    assert.equal(slack.requests().length, sent, "a replayed event was posted again");
    assert.equal((await routeCircuits(db)).get(consumer)?.open, false, "a circuit left open by a stopped service is closed as the next starts");
  });

  it("keeps an attempt whose body or answer holds NUL, and deletes attempts past their retention", async () => {
    const request = { kind: "http" as const, method: "POST" as const, url: "http://a.test/", headers: {}, body: "a\u0000b", bodyBytes: 3 };
    const eventId = `prune-${prefix}`;
    await recordDeliveryAttempt(db, {
      route: "paid",
      destination: "orders",
      eventId,
      outcome: "failed",
      request,
      response: { status: 500, headers: {}, body: "\u0000" },
      error: "bad\u0000byte",
      durationMs: 1,
    });
    await recordDeliveryAttempt(db, {
      route: "paid",
      destination: "orders",
      eventId,
      outcome: "delivered",
      request,
      response: null,
      error: null,
      durationMs: 1,
    });
    await db("route_delivery_attempts")
      .where({ event_id: eventId, outcome: "failed" })
      .update({ attempted_at: db.raw("now() - interval '3 hours'") });
    const [old] = await deliveryAttempts(db, eventId);
    assert.deepEqual([old?.request.kind === "http" && old.request.body, old?.response?.body, old?.error], ["a\ufffdb", "\ufffd", "bad\ufffdbyte"]);
    assert.ok((await pruneDeliveryAttempts(db, 2)) >= 1);
    assert.deepEqual(
      (await deliveryAttempts(db, eventId)).map((attempt) => attempt.outcome),
      ["delivered"],
    );
  });
});
