import { strict as assert } from "node:assert";
import { randomBytes } from "node:crypto";
import { after, before, describe, it } from "node:test";
import { githubDelivery, githubPullRequestBody, post, stripeDelivery, stripeEventBody, type Answer, type Delivery } from "./deliveries.ts";
import { RATE_LIMIT, SMALL_BODY_LIMIT, startIngest, type IngestHarness, type SourceRole } from "./harness.ts";

interface RejectionCase {
  what: string;
  /** A configured source, or a name no source has. */
  source: SourceRole | { unknownName: string };
  status: number;
  code: string;
  /** Builds the request; its body carries `marker`, which no answer may echo. */
  delivery: (ingest: IngestHarness, marker: string) => Delivery | Promise<Delivery>;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const secretOf = (ingest: IngestHarness, role: SourceRole): string => ingest.sources[role].secrets[0] as string;
const markedBody = (marker: string, extra: Record<string, unknown> = {}): string => stripeEventBody({ note: marker, ...extra }).body;

function withHeaders(delivery: Delivery, headers: Record<string, string | undefined>): Delivery {
  const merged: Record<string, string> = {};
  for (const [name, value] of Object.entries({ ...delivery.headers, ...headers })) if (value !== undefined) merged[name] = value;
  return { body: delivery.body, headers: merged };
}

const cases: RejectionCase[] = [
  {
    what: "a Stripe event signed with a secret the source does not have",
    source: "stripe",
    status: 401,
    code: "signature_mismatch",
    delivery: (_ingest, marker) => stripeDelivery(markedBody(marker), `whsec_${randomBytes(16).toString("hex")}`),
  },
  {
    what: "a Stripe event whose body was changed after signing",
    source: "stripe",
    status: 401,
    code: "signature_mismatch",
    delivery: (ingest, marker) => {
      const signed = stripeDelivery(markedBody(marker), secretOf(ingest, "stripe"));
      return { ...signed, body: signed.body.replace('"amount": 2000', '"amount": 2') };
    },
  },
  {
    what: "a GitHub delivery signed with the wrong secret",
    source: "github",
    status: 401,
    code: "signature_mismatch",
    delivery: (_ingest, marker) => githubDelivery(githubPullRequestBody({ note: marker }).body, "not-the-github-secret", "pull_request"),
  },
  {
    what: "a Stripe event without a Stripe-Signature header",
    source: "stripe",
    status: 401,
    code: "missing_signature",
    delivery: (ingest, marker) => withHeaders(stripeDelivery(markedBody(marker), secretOf(ingest, "stripe")), { "stripe-signature": undefined }),
  },
  {
    what: "a Stripe event signed 301 seconds ago",
    source: "stripe",
    status: 400,
    code: "timestamp_too_old",
    delivery: (ingest, marker) => stripeDelivery(markedBody(marker), secretOf(ingest, "stripe"), nowSeconds() - 301),
  },
  {
    what: "a Stripe event signed six minutes in the future",
    source: "stripe",
    status: 400,
    code: "timestamp_in_future",
    delivery: (ingest, marker) => stripeDelivery(markedBody(marker), secretOf(ingest, "stripe"), nowSeconds() + 360),
  },
  {
    what: "a Stripe event whose Stripe-Signature header is not t=…,v1=<hex>",
    source: "stripe",
    status: 400,
    code: "malformed_signature",
    delivery: (ingest, marker) =>
      withHeaders(stripeDelivery(markedBody(marker), secretOf(ingest, "stripe")), { "stripe-signature": `t=${nowSeconds()},v1=not-hex-at-all` }),
  },
  {
    what: "a delivery to a source that is not configured",
    source: { unknownName: "no-such-source" },
    status: 404,
    code: "unknown_source",
    delivery: (ingest, marker) => stripeDelivery(markedBody(marker), secretOf(ingest, "stripe")),
  },
  {
    what: "a correctly signed body larger than the source's maxBodyBytes",
    source: "small",
    status: 413,
    code: "body_too_large",
    delivery: (ingest, marker) => stripeDelivery(markedBody(marker, { padding: "x".repeat(SMALL_BODY_LIMIT) }), secretOf(ingest, "small")),
  },
  {
    what: "a correctly signed body sent as text/plain",
    source: "stripe",
    status: 415,
    code: "unsupported_content_type",
    delivery: (ingest, marker) => withHeaders(stripeDelivery(markedBody(marker), secretOf(ingest, "stripe")), { "content-type": "text/plain" }),
  },
];

describe("ingest rejects bad deliveries with a status, a JSON error and nothing written", () => {
  let ingest: IngestHarness;
  const accepted: Partial<Record<SourceRole, string>> = {};

  function assertErrorAnswer(answer: Answer, status: number, code: string, body: string, marker: string): void {
    assert.equal(answer.status, status, answer.text);
    assert.match(answer.headers.get("content-type") ?? "", /^application\/json/);
    const { error, ...rest } = answer.json as { error: { code: unknown; message: unknown } };
    assert.deepEqual(rest, {}, "the answer holds only the error");
    assert.deepEqual(Object.keys(error).sort(), ["code", "message"]);
    assert.equal(error.code, code);
    assert.ok(typeof error.message === "string" && error.message.length > 0, "the error has a message");
    for (const source of Object.values(ingest.sources))
      for (const secret of source.secrets) assert.ok(!answer.text.includes(secret), "the answer contains a secret");
    assert.ok(!answer.text.includes(marker), "the answer echoes the posted body");
    assert.ok(!answer.text.includes(body));
  }

  before(async () => {
    ingest = await startIngest();
    // One good event on each source the rejections aim at: the topics must end up holding exactly these.
    for (const role of ["stripe", "small", "limited"] as const) {
      const { body, eventId } = stripeEventBody();
      const answer = await post(ingest.url, ingest.sources[role].name, stripeDelivery(body, secretOf(ingest, role)));
      assert.equal(answer.status, 202, `the good event on ${role} was answered ${answer.status} ${answer.text}`);
      accepted[role] = eventId;
    }
  });

  after(async () => {
    await ingest?.stop();
  });

  for (const rejection of cases) {
    it(`answers ${rejection.what} ${rejection.status} ${rejection.code}, echoing neither secret nor body`, async () => {
      const marker = `do-not-echo-${randomBytes(6).toString("hex")}`;
      const delivery = await rejection.delivery(ingest, marker);
      const source = typeof rejection.source === "string" ? ingest.sources[rejection.source].name : rejection.source.unknownName;

      assert.ok(delivery.body.includes(marker), "the case must post the marked body");

      const answer = await post(ingest.url, source, delivery);

      assertErrorAnswer(answer, rejection.status, rejection.code, delivery.body, marker);
    });
  }

  it("answers a correctly signed event over the source's rate limit 429 rate_limited with Retry-After", async () => {
    const marker = `do-not-echo-${randomBytes(6).toString("hex")}`;
    const { body } = stripeEventBody({ note: marker });

    const answer = await post(ingest.url, ingest.sources.limited.name, stripeDelivery(body, secretOf(ingest, "limited")));

    assertErrorAnswer(answer, 429, "rate_limited", body, marker);
    const retryAfter = Number(answer.headers.get("retry-after"));
    assert.ok(
      Number.isInteger(retryAfter) && retryAfter >= 1 && retryAfter <= 1 / RATE_LIMIT.requestsPerSecond,
      `Retry-After was ${answer.headers.get("retry-after")}`,
    );
  });

  it("leaves the topics holding only the events that were accepted", async () => {
    const roles = ["stripe", "small", "limited"] as const;

    const topics = await Promise.all(roles.map((role) => ingest.readEnvelopes(role)));

    const written = Object.fromEntries(roles.map((role, index) => [role, topics[index]?.map((record) => record.envelope.providerEventId)]));
    assert.deepEqual(written, { stripe: [accepted.stripe], small: [accepted.small], limited: [accepted.limited] });
  });
});
