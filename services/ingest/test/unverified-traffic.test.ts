import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { eventually } from "@hooklog/testkit";
import { post, postFrom, stripeDelivery, stripeEventBody, type Answer } from "./deliveries.ts";
import { startIngest, type IngestHarness } from "./harness.ts";
import { sample } from "./metric-sample.ts";

/** A client's budget of unverified requests in these tests: five at once, then one a second. */
const UNVERIFIED_BURST = 5;

const forged = (marker = "") => stripeDelivery(stripeEventBody({ note: marker }).body, `whsec_${randomBytes(16).toString("hex")}`);

describe("unverified requests have a budget of their own, and never use a source's", () => {
  let ingest: IngestHarness;

  before(async () => {
    ingest = await startIngest({
      INGEST_UNVERIFIED_PER_CLIENT_PER_SECOND: "1",
      INGEST_UNVERIFIED_BURST: String(UNVERIFIED_BURST),
      INGEST_REJECTION_LOG_SECONDS: "1",
    });
  });

  after(async () => {
    await ingest?.stop();
  });

  it("accepts a signed delivery to a rate-limited source while another client floods it with unsigned requests", async () => {
    const { limited } = ingest.sources;
    const flood: Answer[] = [];
    for (let index = 0; index < 40; index += 1) flood.push(await postFrom("127.0.0.2", ingest.url, limited.name, forged()));

    const genuine = await post(ingest.url, limited.name, stripeDelivery(stripeEventBody().body, limited.secrets[0] as string));

    assert.deepEqual([...new Set(flood.map((answer) => answer.status))].sort(), [401, 429]);
    assert.equal(genuine.status, 202, genuine.text);
    const [envelope, ...more] = await ingest.readEnvelopes("limited");
    assert.equal(more.length, 0);
    assert.equal(envelope?.envelope.id, (genuine.json as { eventId: string }).eventId);
  });

  // After the test above: its genuine delivery took the source's one request.
  it("counts a source's rate limit in verified deliveries: the next signed one is answered 429 with Retry-After", async () => {
    const { limited } = ingest.sources;

    const answer = await post(ingest.url, limited.name, stripeDelivery(stripeEventBody().body, limited.secrets[0] as string));

    assert.equal(answer.status, 429);
    assert.deepEqual((answer.json as { error: { code: string } }).error.code, "rate_limited");
    assert.ok(Number(answer.headers.get("retry-after")) >= 1);
  });

  it("answers a client past its budget of unverified requests 429 with Retry-After, and other clients' deliveries 202", async () => {
    const { stripe } = ingest.sources;
    const statuses: number[] = [];
    for (let index = 0; index < UNVERIFIED_BURST; index += 1) statuses.push((await postFrom("127.0.0.3", ingest.url, stripe.name, forged())).status);

    const refused = await postFrom("127.0.0.3", ingest.url, stripe.name, forged());
    const other = await postFrom("127.0.0.7", ingest.url, stripe.name, stripeDelivery(stripeEventBody().body, stripe.secrets[0] as string));

    assert.deepEqual(statuses, Array(UNVERIFIED_BURST).fill(401));
    assert.equal(refused.status, 429);
    assert.deepEqual(refused.json, {
      error: { code: "too_many_unverified", message: "Too many requests from this address failed verification; retry after the given delay." },
    });
    assert.ok(Number(refused.headers.get("retry-after")) >= 1);
    assert.equal(other.status, 202, other.text);
  });

  it("still takes a signed delivery from a client past its budget: providers send from shared addresses", async () => {
    const { stripe } = ingest.sources;
    const refused = await postFrom("127.0.0.3", ingest.url, stripe.name, forged());

    const genuine = await postFrom("127.0.0.3", ingest.url, stripe.name, stripeDelivery(stripeEventBody().body, stripe.secrets[0] as string));

    assert.equal(refused.status, 429, "127.0.0.3 is still past its budget");
    assert.equal(genuine.status, 202, genuine.text);
  });

  it("counts signature failures by source and reason, and logs a burst as one line per source per interval, without bodies or signatures", async () => {
    const { standard } = ingest.sources;
    const marker = `do-not-log-${randomBytes(6).toString("hex")}`;
    const signatures: string[] = [];
    for (const address of ["127.0.0.4", "127.0.0.5"]) {
      for (let index = 0; index < 3; index += 1) {
        const delivery = forged(marker);
        signatures.push(delivery.headers["stripe-signature"] as string);
        await postFrom(address, ingest.url, standard.name, { ...delivery, headers: { ...delivery.headers, "content-type": "application/json" } });
      }
    }

    const metrics = await (await fetch(`${ingest.opsUrl}/metrics`)).text();
    assert.equal(sample(metrics, "hooklog_ingest_verification_failures_total", { source: standard.name, reason: "missing_signature" }), 6);
    const linesOf = () => ingest.logLines().filter((line) => line.source === standard.name);
    const summary = await eventually("the burst's summary line", () => linesOf().find((line) => line.msg === "webhook rejections"));
    const single = linesOf().filter((line) => line.msg === "webhook rejected");
    assert.equal(single.length, 1, "only the first rejection of a burst has a line of its own");
    assert.equal(single[0]?.client, "127.0.0.4");
    assert.equal(summary.count, 5);
    assert.deepEqual(summary.reasons, { missing_signature: 5 });
    assert.deepEqual(summary.clients, { "127.0.0.4": 2, "127.0.0.5": 3 });
    const logged = ingest.logText();
    assert.ok(!logged.includes(marker), "a posted body was logged");
    for (const signature of signatures) assert.ok(!logged.includes(signature), "a signature header was logged");
  });
});
