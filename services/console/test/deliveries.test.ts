import { strict as assert } from "node:assert";
import { randomUUID } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { uniqueName } from "@hooklog/testkit";
import { ALICE, type ConsoleUnderTest, signIn, startConsole } from "./harness.ts";

interface Seeded {
  receivedAt: Date;
  outcome: string;
  status: number;
  reason?: string;
}

describe("the deliveries area", () => {
  let console_: ConsoleUnderTest;
  const source = uniqueName("deliv-src");
  const other = uniqueName("deliv-other");
  // Recent, so the rejections chart's default day holds them; minutes apart, newest last.
  const base = Math.floor((Date.now() - 3 * 3_600_000) / 900_000) * 900_000;
  const at = (minutes: number) => new Date(base + minutes * 60_000);
  const seeded: Seeded[] = [
    { receivedAt: at(0), outcome: "accepted", status: 202 },
    { receivedAt: at(1), outcome: "rejected", status: 401, reason: "signature_mismatch" },
    { receivedAt: at(2), outcome: "rejected", status: 401, reason: "signature_mismatch" },
    { receivedAt: at(16), outcome: "rejected", status: 401, reason: "signature_mismatch" },
    { receivedAt: at(17), outcome: "rejected", status: 400, reason: "timestamp_out_of_tolerance" },
    { receivedAt: at(18), outcome: "unavailable", status: 503, reason: "kafka_unavailable" },
  ];

  before(async () => {
    console_ = await startConsole();
    const row = (sourceName: string, delivery: Seeded) => ({
      delivery_id: randomUUID(),
      received_at: delivery.receivedAt,
      source: sourceName,
      request_id: randomUUID(),
      client: "203.0.113.7",
      outcome: delivery.outcome,
      status: delivery.status,
      reason: delivery.reason ?? null,
      body_bytes: 120,
      verification_scheme: delivery.outcome === "accepted" ? "stripe-v1" : null,
      secret_index: delivery.outcome === "accepted" ? 0 : null,
      verification_failure: delivery.reason === "signature_mismatch" ? "no signature matched" : null,
      hub_event_id: delivery.outcome === "accepted" ? randomUUID() : null,
      provider_event_id: delivery.outcome === "accepted" ? "evt_1" : null,
      event_type: delivery.outcome === "accepted" ? "charge.succeeded" : null,
      headers: JSON.stringify({ "user-agent": "Stripe/1.0" }),
    });
    await console_.db("catalog_deliveries").insert([...seeded.map((delivery) => row(source, delivery)), row(other, seeded[1] as Seeded)]);
  });
  after(async () => {
    await console_.close();
  });

  const get = async <T>(path: string): Promise<{ status: number; body: T }> => {
    const response = await fetch(`${console_.url}${path}`, { headers: { authorization: `Bearer ${ALICE.token}` } });
    return { status: response.status, body: (await response.json()) as T };
  };
  type Page = {
    deliveries: Array<{ source: string; outcome: string; reason: string | null; receivedAt: string; verification: { secretIndex: number | null } }>;
    next: string | null;
    rejections: { bucketMinutes: number; counts: Array<{ bucket: string; source: string; reason: string | null; count: number }> };
  };

  it("lists a source's deliveries newest first, each with its outcome, reason and verification", async () => {
    const { status, body } = await get<Page>(`/api/deliveries?source=${source}`);
    assert.equal(status, 200);
    assert.deepEqual(
      body.deliveries.map((delivery) => [delivery.receivedAt, delivery.outcome, delivery.reason]),
      [...seeded].reverse().map((delivery) => [delivery.receivedAt.toISOString(), delivery.outcome, delivery.reason ?? null]),
    );
    assert.equal(body.deliveries.at(-1)?.verification.secretIndex, 0);
    assert.equal(body.next, null);
  });

  it("filters by outcome, reason and time range, every one in the URL", async () => {
    const rejected = await get<Page>(`/api/deliveries?source=${source}&outcome=rejected&reason=signature_mismatch`);
    assert.equal(rejected.body.deliveries.length, 3);
    const inRange = await get<Page>(`/api/deliveries?source=${source}&from=${at(2).toISOString()}&to=${at(17).toISOString()}`);
    assert.deepEqual(
      inRange.body.deliveries.map((delivery) => delivery.receivedAt),
      [at(16), at(2)].map((date) => date.toISOString()),
    );
    const twoSources = await get<Page>(`/api/deliveries?source=${source},${other}&reason=signature_mismatch`);
    assert.equal(twoSources.body.deliveries.length, 4);
  });

  it("pages by a next cursor until the last page, which has none", async () => {
    const seen: string[] = [];
    let path: string | null = `/api/deliveries?source=${source}&limit=4`;
    let pages = 0;
    while (path) {
      const { body }: { body: Page } = await get<Page>(path);
      seen.push(...body.deliveries.map((delivery) => delivery.receivedAt));
      pages += 1;
      path = body.next ? `/api/deliveries?source=${source}&limit=4&before=${body.next}` : null;
    }
    assert.equal(pages, 2);
    assert.deepEqual(
      seen,
      [...seeded].reverse().map((delivery) => delivery.receivedAt.toISOString()),
    );
  });

  it("counts rejections by source and reason per bucket, so a burst of signature failures stands out", async () => {
    const { body } = await get<Page>(`/api/deliveries?source=${source}&bucketMinutes=15`);
    assert.equal(body.rejections.bucketMinutes, 15);
    assert.deepEqual(
      body.rejections.counts.map((count) => [count.bucket, count.reason, count.count]),
      [
        [at(0).toISOString(), "signature_mismatch", 2],
        [at(15).toISOString(), "signature_mismatch", 1],
        [at(15).toISOString(), "timestamp_out_of_tolerance", 1],
      ],
    );
  });

  it("refuses each bad query parameter, saying what it takes", async () => {
    const cases: Array<[string, RegExp]> = [
      ["outcome=lost", /outcome lost: one or more of accepted, duplicate, ignored, rejected, unavailable/],
      ["limit=0", /limit: a whole number of deliveries from 1 to 500/],
      ["limit=abc", /limit: a whole number/],
      ["from=yesterday", /from: since must be a duration such as 30m/],
      ["from=1h&to=2h", /from must be before to/],
      ["before=not-a-cursor", /before: the `next` of a previous page/],
      ["bucketMinutes=0", /bucketMinutes: a whole number of minutes from 1 to 360/],
    ];
    for (const [parameters, message] of cases) {
      const { status, body } = await get<{ error: { code: string; message: string } }>(`/api/deliveries?${parameters}`);
      assert.equal(status, 400, parameters);
      assert.equal(body.error.code, "bad_input");
      assert.match(body.error.message, message, parameters);
    }
  });

  it("renders the page from the same data: the rows, a rejections chart and the filters kept in the next-page link", async () => {
    const { cookie } = await signIn(console_.url, ALICE.token);
    const page = await fetch(`${console_.url}/deliveries?source=${source}&limit=2`, { headers: { cookie } }).then((response) => response.text());
    assert.equal([...page.matchAll(/<tr id="delivery-/g)].length, 2);
    assert.match(page, /<svg class="chart"[^>]*>.*<polyline/s);
    assert.match(page, new RegExp(`${source}: signature_mismatch`));
    const next = /<a rel="next" href="([^"]+)"/.exec(page)?.[1]?.replaceAll("&amp;", "&");
    assert.ok(next?.startsWith(`/deliveries?source=${source}&limit=2&before=`), next);
    const older = await fetch(`${console_.url}${next}`, { headers: { cookie } }).then((response) => response.text());
    assert.equal([...older.matchAll(/<tr id="delivery-/g)].length, 2);
  });
});
