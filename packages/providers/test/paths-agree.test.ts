// The same provider event, once as ingest receives its webhook and once as reconciliation fetches it
// from the provider's API, must become the same envelope facts, partition key and audit headers;
// otherwise a backfilled copy would land on another partition or read differently to a consumer.
import { strict as assert } from "node:assert";
import { createHash } from "node:crypto";
import { describe, it } from "node:test";
import { sign } from "@octokit/webhooks-methods";
import { eventFromGitHubDelivery, eventFromStripeApi, providerModule, type FetchedEvent, type SignedDelivery, type SourceSettings } from "../src/index.ts";

const NOW = new Date("2026-03-02T09:30:00.000Z");
const settings: SourceSettings = { secrets: ["whsec_pathsAgree0123456789"], toleranceSeconds: 300 };
const secret = settings.secrets[0] as string;

/** What ingest takes from a verified delivery: the facts and the headers it keeps. */
function throughIngest(name: "stripe" | "github", delivery: SignedDelivery) {
  const provider = providerModule(name);
  const verified = provider.createVerifier(settings).verify(delivery, NOW);
  assert.equal(verified.ok, true);
  const facts = provider.eventFacts({ ...delivery, contentType: delivery.headers["content-type"] ?? "" }, settings);
  if (!facts.ok) return assert.fail(facts.message);
  // Only a delivery has signed bytes to digest; the API's copy is found by its id.
  const { replayDigest, ...shared } = facts.facts;
  if (name === "github") assert.equal(replayDigest, createHash("sha256").update(delivery.rawBody).digest("hex"), "a GitHub delivery's id is not signed");
  else assert.equal(replayDigest, undefined, "a Stripe event's id is in its signed body");
  return { facts: shared, headers: provider.auditHeaders(delivery.headers, settings) };
}

function asReconciled(fetched: FetchedEvent | undefined) {
  if (!fetched) return assert.fail("the API object was not read as an event");
  const { payload: _payload, contentType: _contentType, headers, ...facts } = fetched;
  return { facts, headers };
}

describe("ingest and reconciliation read the same Stripe event alike", () => {
  for (const type of providerModule("stripe").sampleTypes) {
    it(`${type}: the webhook and the Events API object give the same facts, key and audit headers`, async () => {
      const delivery = await providerModule("stripe").sampleDelivery(type, { secret, now: NOW });
      // The Events API returns the very object the webhook carries.
      const apiObject: unknown = JSON.parse(delivery.rawBody.toString("utf8"));

      const ingested = throughIngest("stripe", delivery);
      const reconciled = asReconciled(eventFromStripeApi(apiObject));

      assert.deepEqual(reconciled, ingested);
      assert.equal(ingested.facts.providerTimestamp, Math.floor(NOW.getTime() / 1000) * 1000, "created, from the event itself");
    });
  }
});

describe("ingest and reconciliation read the same GitHub delivery alike", () => {
  /** The delivery record GitHub's API lists for a delivery: its guid, event and the request as sent. */
  function deliveryRecord(delivery: SignedDelivery) {
    return {
      guid: delivery.headers["x-github-delivery"] ?? "",
      event: delivery.headers["x-github-event"] ?? "",
      request: { headers: delivery.headers, payload: JSON.parse(delivery.rawBody.toString("utf8")) as unknown },
    };
  }

  for (const type of providerModule("github").sampleTypes) {
    it(`${type}: the webhook and the deliveries API record give the same facts, key and audit headers`, async () => {
      const delivery = await providerModule("github").sampleDelivery(type, { secret, now: NOW });

      const ingested = throughIngest("github", delivery);
      const reconciled = asReconciled(eventFromGitHubDelivery(deliveryRecord(delivery)));

      assert.deepEqual(reconciled, ingested);
      assert.equal(ingested.facts.providerTimestamp, null, "GitHub states no event time that both paths can read");
    });
  }

  it("a form-encoded delivery and its record agree as well", async () => {
    const json = await providerModule("github").sampleDelivery("pull_request.opened", { secret, now: NOW });
    const body = new URLSearchParams({ payload: json.rawBody.toString("utf8") }).toString();
    const form: SignedDelivery = {
      ...json,
      rawBody: Buffer.from(body, "utf8"),
      headers: { ...json.headers, "content-type": "application/x-www-form-urlencoded", "x-hub-signature-256": await sign(secret, body) },
    };

    const ingested = throughIngest("github", form);
    const reconciled = asReconciled(eventFromGitHubDelivery(deliveryRecord(json)));

    assert.deepEqual(reconciled, ingested);
    assert.equal(ingested.facts.partitionKey.startsWith("octo-org/hello-world#"), true);
  });
});
