// `hooklog routes list` and `hooklog routes test`: routes of this file's own config, an event written
// by the real ingest, and a receiver that must get nothing, since `routes test` only shows.
import { strict as assert } from "node:assert";
import { mkdtemp, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, describe, it } from "node:test";
import { connectDatabase, migrateLatest, type Knex } from "@hooklog/db";
import { recordCircuit, recordDeliveryAttempt, routesMigrations } from "@hooklog/routes";
import { createKafka, ensureTopics, webhookTopicSpec } from "@hooklog/kafka";
import { secretEnvVar } from "@hooklog/sources";
import { startRecordingServer, startServiceProcess, testStack, uniqueName, type RecordingServer, type ServiceProcess } from "@hooklog/testkit";
import { Webhook } from "standardwebhooks";
import { runCli } from "./cli-process.ts";
import { postStripeEvent, type Posted } from "./shown-event.ts";

describe("hooklog routes", () => {
  const source = uniqueName("cli-routes");
  const topic = uniqueName("webhooks.cli-routes");
  const secret = `whsec_${Date.now().toString(16)}0123456789abcdef`;
  const routeSecret = `whsec_${Buffer.from("the route's own secret, 32 bytes").toString("base64")}`;
  let env: Record<string, string>;
  let ingest: ServiceProcess;
  let receiver: RecordingServer;
  let db: Knex;
  let posted: Posted;

  before(async () => {
    const stack = await testStack();
    const directory = await mkdtemp(join(tmpdir(), "hooklog-cli-routes-"));
    const config = join(directory, "hooklog.config.yaml");
    receiver = await startRecordingServer({ status: 204 });
    await writeFile(
      config,
      JSON.stringify({
        sources: { [source]: { provider: "stripe", topic, partitions: 3 } },
        routes: {
          everything: {
            from: { sources: [source] },
            to: [
              {
                url: {
                  url: `${receiver.url}/hooks`,
                  body: '{ "id": $event.providerEventId, "type": $event.type }',
                  secretEnv: "CLI_ROUTES_SECRET",
                  headersEnv: { Authorization: "CLI_ROUTES_AUTH" },
                },
              },
              { slack: { webhookUrlEnv: "CLI_ROUTES_UNSET_SLACK_URL" } },
              { email: { to: "data.object.no_such_field" } },
            ],
          },
          nothing: { from: { sources: [source] }, filter: { $event: { type: "never.sent" } }, to: [{ url: { url: `${receiver.url}/never` } }] },
        },
      }),
    );
    env = {
      HOOKLOG_CONFIG: config,
      HOOKLOG_STATE_DIR: directory,
      KAFKA_BROKERS: stack.kafkaBrokers,
      SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
      DATABASE_URL: stack.databaseUrl,
      [secretEnvVar(source)]: secret,
      CLI_ROUTES_SECRET: routeSecret,
      CLI_ROUTES_AUTH: "Bearer not-to-be-shown",
    };
    await ensureTopics(createKafka({ clientId: "cli-routes-test", brokers: stack.kafkaBrokers.split(",") }), [
      webhookTopicSpec({ topic, partitions: 3, maxBodyBytes: 1024 * 1024 }),
    ]);
    db = connectDatabase(stack.databaseUrl);
    ingest = await startServiceProcess("ingest", env, "INGEST_PORT");
    posted = await postStripeEvent({ ingestUrl: ingest.url, source, secret, topic, env, db });
  });

  after(async () => {
    await ingest?.stop();
    await receiver?.close();
    await db?.destroy();
  });

  it("shows what a route would send for a stored event — signed, secrets hidden, a mapping's failure named — and sends nothing", async () => {
    const run = await runCli(["routes", "test", "everything", "--event", posted.hubId, "--json"], env);
    assert.equal(run.code, 0, run.stderr);
    const shown = JSON.parse(run.stdout) as {
      takes: boolean;
      unsetSecrets: string[];
      deliveries: Array<{ url?: string; headers?: Record<string, string>; body?: string; error?: string }>;
    };
    assert.equal(shown.takes, true);
    assert.deepEqual(shown.unsetSecrets, ["CLI_ROUTES_UNSET_SLACK_URL"]);
    const [url, slack, email] = shown.deliveries;
    const type = (posted.body as { type: string }).type;
    assert.equal(url?.url, `${receiver.url}/hooks`);
    assert.equal(url?.body, JSON.stringify({ id: posted.providerEventId, type }));
    assert.equal(url?.headers?.authorization, "(secret)");
    assert.doesNotMatch(run.stdout, /not-to-be-shown/);
    const { authorization: _hidden, ...signed } = url?.headers ?? {};
    void _hidden;
    assert.deepEqual(new Webhook(routeSecret).verify(url?.body ?? "", signed), { id: posted.providerEventId, type }, "signed as the service would sign it");
    assert.equal(slack?.url, "https://slack.invalid/…");
    assert.equal(email?.error, `routes.everything.to[2].email.to: "data.object.no_such_field" gave nothing for this event (a field it reads is missing)`);
    assert.deepEqual(receiver.requests(), [], "nothing was sent");
  });

  it("says a route whose filter does not match does not take the event, and renders nothing", async () => {
    const run = await runCli(["routes", "test", "nothing", "--event", posted.providerEventId, "--json"], env);
    assert.equal(run.code, 0, run.stderr);
    assert.deepEqual(JSON.parse(run.stdout), { route: "nothing", event: posted.hubId, takes: false, unsetSecrets: [], deliveries: [] });
  });

  it("names the routes there are for one that is not", async () => {
    const run = await runCli(["routes", "test", "elsewhere", "--event", posted.hubId], env);
    assert.equal(run.code, 2);
    assert.match(run.stderr, /no route elsewhere in hooklog\.config\.yaml/);
    assert.match(run.stderr, /the routes are everything, nothing/);
  });

  it("lists each route's destinations, their consumers and where they stand", async () => {
    await migrateLatest(db, [routesMigrations]);
    await recordCircuit(db, {
      consumer: "route-everything-slack",
      route: "everything",
      destination: "slack",
      open: true,
      failures: 5,
      lastError: "Slack answered 503",
    });
    const run = await runCli(["routes", "list", "--json"], env);
    assert.equal(run.code, 0, run.stderr);
    const listed = JSON.parse(run.stdout) as Array<{
      name: string;
      destinations: Array<{ name: string; kind: string; consumer: string; counts: Record<string, number>; circuit: { open: boolean; lastError?: string } }>;
    }>;
    assert.deepEqual(
      listed[0]?.destinations.map((destination) => [destination.name, destination.circuit.open, destination.circuit.lastError]),
      [
        ["url", false, undefined],
        ["slack", true, "Slack answered 503"],
        ["email", false, undefined],
      ],
    );
    const text = await runCli(["routes", "list"], env);
    assert.match(text.stdout, /slack .* PAUSED since \S+ after 5 failures: Slack answered 503/);
    assert.deepEqual(
      listed.map((route) => [
        route.name,
        route.destinations.map((destination) => [destination.name, destination.kind, destination.consumer, destination.counts.processed]),
      ]),
      [
        [
          "everything",
          [
            ["url", "url", "route-everything-url", 0],
            ["slack", "slack", "route-everything-slack", 0],
            ["email", "email", "route-everything-email", 0],
          ],
        ],
        ["nothing", [["url", "url", "route-nothing-url", 0]]],
      ],
    );
  });

  it("shows each route's delivery attempts under the event in hooklog events show", async () => {
    await migrateLatest(db, [routesMigrations]);
    const request = {
      kind: "http" as const,
      method: "POST" as const,
      url: `${receiver.url}/hooks`,
      headers: { authorization: "(secret)" },
      body: "{}",
      bodyBytes: 2,
    };
    await recordDeliveryAttempt(db, {
      route: "everything",
      destination: "url",
      eventId: posted.hubId,
      outcome: "failed",
      request,
      response: { status: 503, headers: {}, body: "down" },
      error: "answered 503: down",
      durationMs: 12,
    });
    await recordDeliveryAttempt(db, {
      route: "everything",
      destination: "url",
      eventId: posted.hubId,
      outcome: "delivered",
      request,
      response: { status: 204, headers: {}, body: "" },
      error: null,
      durationMs: 7,
    });
    const json = await runCli(["events", "show", posted.hubId, "--json"], env);
    assert.equal(json.code, 0, json.stderr);
    const { routes } = JSON.parse(json.stdout) as {
      routes: Array<{ route: string; destination: string; outcome: string; response: { status: number } | null; attemptedAt: string }>;
    };
    assert.deepEqual(
      routes.map((attempt) => [attempt.route, attempt.destination, attempt.outcome, attempt.response?.status]),
      [
        ["everything", "url", "failed", 503],
        ["everything", "url", "delivered", 204],
      ],
    );
    const text = await runCli(["events", "show", posted.hubId], env);
    assert.match(text.stdout, /everything\/url\s+\S+ failed \(POST http:\/\/127\.0\.0\.1:\d+\/hooks, answered 503, 12 ms\): answered 503: down/);
  });
});
