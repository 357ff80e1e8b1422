import { strict as assert } from "node:assert";
import { after, before, describe, it } from "node:test";
import { providerModule } from "@hooklog/providers";
import type { WebhookEvent } from "@hooklog/schemas";
import type { SourceConfig } from "@hooklog/sources";
import { freePort } from "@hooklog/testkit";
import { runCli, type CliRun } from "./cli-process.ts";
import { PAGERDUTY_ROUTING_KEY, startHub, type HubHarness } from "./hub-harness.ts";

/** A line of `hooklog trigger --json`. */
interface TriggerLine {
  source: string;
  type: string;
  providerEventId: string;
  redelivery: boolean;
  status: number;
  answer: unknown;
  eventId: string | null;
}

const linesOf = <T = TriggerLine>(run: CliRun): T[] =>
  run.stdout
    .split("\n")
    .filter((line) => line !== "")
    .map((line) => JSON.parse(line) as T);

/** The run's output, for an assertion's message: what the CLI said is usually why it failed. */
const said = (run: CliRun): string => `exit ${run.code}\nstdout:\n${run.stdout}\nstderr:\n${run.stderr}`;

const payloadOf = (event: WebhookEvent): Record<string, unknown> => JSON.parse(event.payload.toString("utf8")) as Record<string, unknown>;

/** A failure the CLI explains: exactly `hooklog: <what>` and `hooklog: what to do: <how>`. */
function assertExplainedFailure(run: CliRun, what: RegExp): void {
  assert.equal(run.code, 1, said(run));
  const lines = run.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 2, said(run));
  assert.match(lines[0] ?? "", what);
  assert.match(lines[1] ?? "", /^hooklog: what to do: \S/);
}

/** The samples the CLI's users are told of; a provider may have more. */
const documentedSamples: Partial<Record<string, readonly string[]>> = {
  stripe: [
    "invoice.paid",
    "invoice.payment_failed",
    "payment_intent.succeeded",
    "checkout.session.completed",
    "charge.refunded",
    "charge.dispute.created",
    "customer.subscription.created",
    "customer.subscription.deleted",
    "customer.subscription.updated",
  ],
  github: [
    "ping",
    "push",
    "pull_request.opened",
    "pull_request.synchronize",
    "pull_request.closed",
    "pull_request.closed:merged",
    "check_run.completed",
    "check_run.completed:failure",
    "workflow_run.completed",
    "workflow_run.completed:failure",
    "issues.opened",
  ],
};

describe("hooklog trigger and tail", { timeout: 900_000 }, () => {
  let hub: HubHarness;
  let sources: SourceConfig[];

  before(async () => {
    hub = await startHub();
    sources = [hub.sources.stripe, hub.sources.github, hub.sources.standard];
  });

  after(async () => {
    await hub?.stop();
  });

  const trigger = (args: readonly string[], env: Record<string, string> = {}): Promise<CliRun> =>
    runCli(["trigger", ...args, "--json"], { ...hub.cliEnv, ...env });

  it("sends every sample of each provider, each accepted and in its source's topic as the line says", async () => {
    for (const source of sources) {
      const provider = providerModule(source.provider);
      for (const type of documentedSamples[source.provider] ?? []) assert.ok(provider.sampleTypes.includes(type), `${source.provider} has a sample of ${type}`);
      // A provider that takes any type sends one it has no sample of as a generic payload.
      const types = [...provider.sampleTypes, ...(provider.anySampleType ? ["order.shipped"] : [])];
      assert.ok(types.length > 0, `${source.provider} has samples`);
      const run = await trigger([source.name, ...types]);
      assert.equal(run.code, 0, said(run));
      const lines = linesOf(run);
      assert.equal(lines.length, types.length, said(run));
      for (const [index, line] of lines.entries()) {
        const sampleType = types[index] ?? "";
        assert.equal(line.status, 202, `${sampleType}: ${JSON.stringify(line)}`);
        assert.equal(typeof line.eventId, "string", `${sampleType}: ${JSON.stringify(line)}`);
        assert.equal(line.source, source.name);
        // A variant (check_run.completed:failure) is an event of its base type.
        assert.equal(line.type, sampleType.split(":")[0], `${sampleType} is sent as its type`);
      }
      const logged = new Map((await hub.loggedEvents(source)).map((event) => [event.id, event]));
      for (const line of lines) {
        const event = logged.get(line.eventId ?? "");
        assert.ok(event, `${line.type} ${line.eventId} is in ${source.topic}`);
        assert.equal(event.source, source.name);
        assert.equal(event.provider, source.provider);
        assert.equal(event.type, line.type);
        assert.equal(event.providerEventId, line.providerEventId);
        assert.equal(event.origin, "webhook");
      }
    }
  });

  it("makes the effects its samples describe: a fulfillment task for invoice.paid, a PagerDuty page for a failed check run", async () => {
    const stripe = hub.sources.stripe;
    const paid = await trigger([stripe.name, "invoice.paid"]);
    assert.equal(paid.code, 0, said(paid));
    const [invoicePaid] = linesOf(paid);
    assert.ok(invoicePaid);
    const task = await hub.eventually("the task invoice.paid creates", () =>
      hub
        .db("fulfillment_tasks")
        .where({ created_by_event: `${stripe.name}:${invoicePaid.providerEventId}` })
        .first<Record<string, unknown> | undefined>(),
    );
    // The sample's invoice is paid by its payment intent, which is the order fulfillment knows.
    const invoiceEvent = (await hub.loggedEvents(stripe)).find((event) => event.id === invoicePaid.eventId);
    assert.ok(invoiceEvent);
    const invoice = (
      payloadOf(invoiceEvent).data as { object: { amount_paid: number; currency: string; payments: { data: Array<{ payment: { payment_intent: string } }> } } }
    ).object;
    assert.equal(task.order_id, invoice.payments.data[0]?.payment.payment_intent);
    assert.match(String(task.order_id), /^pi_/);
    assert.equal(Number(task.amount), invoice.amount_paid);
    assert.equal(task.currency, invoice.currency);
    assert.equal(task.status, "pending");

    const github = hub.sources.github;
    const failed = await trigger([github.name, "check_run.completed:failure"]);
    assert.equal(failed.code, 0, said(failed));
    const [checkRun] = linesOf(failed);
    assert.ok(checkRun);
    const checkEvent = (await hub.loggedEvents(github)).find((event) => event.id === checkRun.eventId);
    assert.ok(checkEvent);
    const { repository, check_run: run } = payloadOf(checkEvent) as { repository: { full_name: string }; check_run: { id: number; conclusion: string } };
    assert.equal(run.conclusion, "failure");
    const page = await hub.eventually("PagerDuty paged about the failed check run", () =>
      hub.pagerDuty
        .requests()
        .find((request) => (request.json as { dedup_key?: string } | undefined)?.dedup_key === `github:${repository.full_name}:check_run:${run.id}`),
    );
    const sent = page.json as { routing_key: string; event_action: string; payload: { summary: string; source: string } };
    assert.equal(sent.routing_key, PAGERDUTY_ROUTING_KEY);
    assert.equal(sent.event_action, "trigger");
    assert.match(sent.payload.summary, /check_run .*failed/);
    assert.equal(sent.payload.source, repository.full_name);
  });

  it("sets a field with --set before signing, and the log holds the value", async () => {
    const stripe = hub.sources.stripe;
    const run = await trigger([stripe.name, "invoice.paid", "--set", "data.object.amount_paid=4200"]);
    assert.equal(run.code, 0, said(run));
    const [line] = linesOf(run);
    assert.equal(line?.status, 202, said(run));
    const event = (await hub.loggedEvents(stripe)).find((logged) => logged.id === line?.eventId);
    assert.ok(event, "the event is in the log");
    assert.equal((payloadOf(event).data as { object: { amount_paid: unknown } }).object.amount_paid, 4200);
  });

  it("refuses a --set without '=' as a usage error in one line, sending nothing", async () => {
    const run = await trigger([hub.sources.stripe.name, "invoice.paid", "--set", "data.object.amount_paid"]);
    assert.equal(run.code, 2, said(run));
    assert.equal(run.stdout, "", "nothing was sent");
    const [message, ...rest] = run.stderr.trimEnd().split("\n");
    assert.match(message ?? "", /--set.*expected path=value/);
    // Commander's pointer to the help may follow; no stack, no second message.
    assert.ok(
      rest.every((text) => /--help/.test(text)),
      said(run),
    );
  });

  it("sends the sequence --count times, each with ids of its own", async () => {
    const run = await trigger([hub.sources.stripe.name, "invoice.paid", "--count", "3"]);
    assert.equal(run.code, 0, said(run));
    const lines = linesOf(run);
    assert.equal(lines.length, 3, said(run));
    assert.deepEqual(
      lines.map((line) => line.status),
      [202, 202, 202],
    );
    assert.equal(new Set(lines.map((line) => line.eventId)).size, 3);
    assert.equal(new Set(lines.map((line) => line.providerEventId)).size, 3);
  });

  it("redelivers a delivery unchanged with --redeliver: accepted, then a duplicate of the same provider event", async () => {
    const run = await trigger([hub.sources.stripe.name, "invoice.paid", "--redeliver", "1"]);
    assert.equal(run.code, 0, said(run));
    const [first, second, ...more] = linesOf(run);
    assert.ok(first && second, said(run));
    assert.equal(more.length, 0);
    assert.deepEqual([first.status, first.redelivery, (first.answer as { status?: string }).status], [202, false, "accepted"]);
    assert.deepEqual([second.status, second.redelivery, (second.answer as { status?: string }).status], [200, true, "duplicate"]);
    assert.equal(second.providerEventId, first.providerEventId);
    assert.equal((await hub.loggedEvents(hub.sources.stripe)).filter((event) => event.providerEventId === first.providerEventId).length, 1, "logged once");
  });

  it("reports a delivery signed with another secret than ingest's as a 401 and fails with an explanation", async () => {
    const stripe = hub.sources.stripe;
    const run = await trigger([stripe.name, "invoice.paid"], { [stripe.secretEnvVar]: providerModule("stripe").newSecret() });
    const lines = linesOf(run);
    assert.equal(lines.length, 1, said(run));
    assert.equal(lines[0]?.status, 401);
    assert.equal(lines[0]?.eventId, null);
    assertExplainedFailure(run, /^hooklog: 1 delivery was not accepted/);
  });

  it("fails with an explanation when ingest does not answer", async () => {
    const closed = await freePort();
    const run = await trigger([hub.sources.stripe.name, "invoice.paid"], { HOOKLOG_INGEST_URL: `http://127.0.0.1:${closed}` });
    assert.equal(run.stdout, "");
    assertExplainedFailure(run, new RegExp(`^hooklog: ingest did not answer at http://127\\.0\\.0\\.1:${closed}/webhooks/${hub.sources.stripe.name}`));
  });

  it("lists every sample type of each source with --list", async () => {
    const run = await runCli(["trigger", "--list", "--json"], hub.cliEnv);
    assert.equal(run.code, 0, said(run));
    const listed = linesOf<{ source: string; provider: string; anyType: boolean; samples: Array<{ type: string; description: string }> }>(run);
    assert.deepEqual(listed.map((entry) => entry.source).sort(), sources.map((source) => source.name).sort());
    for (const source of sources) {
      const provider = providerModule(source.provider);
      const entry = listed.find((candidate) => candidate.source === source.name);
      assert.ok(entry);
      assert.equal(entry.provider, source.provider);
      assert.equal(entry.anyType, provider.anySampleType);
      assert.deepEqual(
        entry.samples.map((sample) => sample.type),
        [...provider.sampleTypes],
      );
      for (const sample of entry.samples) assert.ok(sample.description.length > 0, `${source.provider} ${sample.type} is described`);
    }
  });

  it("is read back by hooklog tail, as the log holds each event, which ends at the end of the log without --follow", { timeout: 120_000 }, async () => {
    const github = hub.sources.github;
    const sent = await runCli(["trigger", github.name, "ping", "push", "pull_request.opened", "--json"], hub.cliEnv);
    assert.equal(sent.code, 0, said(sent));
    const sentIds = linesOf(sent).map((line) => line.eventId);
    assert.equal(sentIds.length, 3);

    const tail = await runCli(["tail", "--source", github.name, "--since", "10m", "--json"], hub.cliEnv);
    assert.equal(tail.code, 0, said(tail));
    const shown = linesOf<{ id: string; source: string; type: string; providerEventId: string; payloadEncoding: string }>(tail);
    const shownIds = shown.map((event) => event.id);
    for (const id of sentIds) assert.ok(shownIds.includes(id ?? ""), `tail shows ${id}\n${said(tail)}`);
    assert.equal(new Set(shownIds).size, shownIds.length, "each event once");
    // Other tests' events of this source may show too (sent within the 10 minutes): each as the log holds it.
    const logged = new Map((await hub.loggedEvents(github)).map((event) => [event.id, event]));
    for (const event of shown) {
      const inLog = logged.get(event.id);
      assert.ok(inLog, `${event.id} is in ${github.topic}`);
      assert.equal(event.source, github.name);
      assert.equal(event.type, inLog.type);
      assert.equal(event.providerEventId, inLog.providerEventId);
      assert.equal(event.payloadEncoding, "json");
    }
  });
});
