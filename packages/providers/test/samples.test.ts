import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import {
  newSampleRelations,
  providerModule,
  providerNames,
  SampleFieldError,
  type HmacSchemeOptions,
  type ProviderName,
  type SignedDelivery,
  type SourceSettings,
} from "../src/index.ts";

const NOW = new Date("2026-03-02T09:30:00.000Z");
const hmac: HmacSchemeOptions = { header: "x-acme-signature", algorithm: "sha256", encoding: "hex", prefix: "sha256=", timestampHeader: "x-acme-timestamp" };
// Base64 after whsec_, as Standard Webhooks secrets are; the others take it as it is.
const secret = "whsec_c2FtcGxlLXNpZ25pbmcta2V5LWZvci10ZXN0cw==";

/** Per provider: a nested field to set, one path that cannot be set, and whether it samples any type. */
const cases: Record<ProviderName, { type: string; path: string; read: (body: Body) => unknown; badPath: string; anyType: boolean }> = {
  stripe: {
    type: "invoice.paid",
    path: "data.object.lines.data.0.amount",
    read: (body) => body.data.object.lines.data[0].amount,
    badPath: "type.name",
    anyType: false,
  },
  github: { type: "pull_request.opened", path: "pull_request.head.sha", read: (body) => body.pull_request.head.sha, badPath: "number.value", anyType: false },
  "standard-webhooks": { type: "invoice.paid", path: "data.amount", read: (body) => body.data.amount, badPath: "data..amount", anyType: true },
  hmac: { type: "order.created", path: "data.total_cents", read: (body) => body.data.total_cents, badPath: "data.total_cents.0", anyType: true },
};

// biome-ignore lint/suspicious/noExplicitAny: a test reads into sample bodies of every shape
type Body = any;
const bodyOf = (delivery: SignedDelivery): Body => JSON.parse(delivery.rawBody.toString("utf8"));

for (const name of providerNames) {
  const provider = providerModule(name);
  const example = cases[name];
  // Only the generic hmac provider needs its block to sign and verify; GitHub's hooks play no part in samples.
  const options = name === "hmac" ? hmac : undefined;
  const settings: SourceSettings = { secrets: [secret], toleranceSeconds: 300, options };
  const verifier = provider.createVerifier(settings);
  const factsOf = (delivery: SignedDelivery) => {
    const result = provider.eventFacts({ ...delivery, contentType: delivery.headers["content-type"] ?? "" }, settings);
    return result.ok ? result.facts : assert.fail(result.message);
  };

  describe(`${name} samples`, () => {
    it("has samples, each with a one-line description", () => {
      assert.ok(provider.sampleTypes.length >= 2);
      for (const type of provider.sampleTypes) assert.match(provider.sampleDescription(type), /^[^\n]{10,}$/, type);
    });

    for (const type of provider.sampleTypes) {
      it(`${type}: is signed so the provider's own verifier accepts it, and reads as the type and event id it reports`, async () => {
        const delivery = await provider.sampleDelivery(type, { secret, now: NOW, options });

        const result = verifier.verify(delivery, NOW);

        assert.equal(result.ok, true, `${type}: ${result.ok ? "" : result.message}`);
        const facts = factsOf(delivery);
        assert.equal(facts.type, delivery.type);
        assert.equal(facts.providerEventId, delivery.providerEventId);
        assert.equal(delivery.type, type.split(":")[0], "a variant is sent as the provider's own type");
      });

      it(`${type}: has a fresh event id on every call, related or not`, async () => {
        const related = newSampleRelations();
        const deliveries = await Promise.all(
          [undefined, undefined, related, related].map((relations) => provider.sampleDelivery(type, { secret, now: NOW, options, related: relations })),
        );

        assert.equal(new Set(deliveries.map((delivery) => delivery.providerEventId)).size, 4);
      });
    }

    it("makes new secrets in a form its own verifier takes, different every time", async () => {
      const [fresh, other] = [provider.newSecret(), provider.newSecret()];
      assert.notEqual(fresh, other);
      const type = provider.sampleTypes[0] as string;
      const delivery = await provider.sampleDelivery(type, { secret: fresh, now: NOW, options });

      const result = provider.createVerifier({ ...settings, secrets: [fresh] }).verify(delivery, NOW);

      assert.equal(result.ok, true, result.ok ? "" : result.message);
    });

    it("keeps no signature among a sample's audit headers", async () => {
      for (const type of provider.sampleTypes) {
        const delivery = await provider.sampleDelivery(type, { secret, now: NOW, options });

        const kept = Object.keys(provider.auditHeaders(delivery.headers, settings));

        assert.deepEqual(
          kept.filter((header) => /signature/.test(header)),
          [],
        );
      }
    });

    it(`sets ${example.path} before signing, so the signed bytes carry it and still verify`, async () => {
      const delivery = await provider.sampleDelivery(example.type, { secret, now: NOW, options, set: [{ path: example.path, value: 4242 }] });

      assert.equal(example.read(bodyOf(delivery)), 4242);
      const result = verifier.verify(delivery, NOW);
      assert.equal(result.ok, true, result.ok ? "" : result.message);
    });

    it("makes a missing key, and the objects on its way, when one is set", async () => {
      const delivery = await provider.sampleDelivery(example.type, {
        secret,
        now: NOW,
        options,
        set: [{ path: "hooklog.trigger.note", value: { by: "test" } }],
      });

      assert.deepEqual(bodyOf(delivery).hooklog, { trigger: { note: { by: "test" } } });
      assert.equal(verifier.verify(delivery, NOW).ok, true);
    });

    it(`refuses to set ${example.badPath} with a SampleFieldError naming the path`, async () => {
      await assert.rejects(
        provider.sampleDelivery(example.type, { secret, now: NOW, options, set: [{ path: example.badPath, value: 1 }] }),
        (error: unknown) =>
          error instanceof SampleFieldError && error.code === "SAMPLE_FIELD_INVALID" && !error.retryable && error.message.includes(example.badPath),
      );
    });

    if (example.anyType) {
      it("samples a type it has no sample of, as a generic payload of that type", async () => {
        const delivery = await provider.sampleDelivery("foo.bar", { secret, now: NOW, options });

        assert.equal(provider.anySampleType, true);
        assert.equal(verifier.verify(delivery, NOW).ok, true);
        assert.equal(factsOf(delivery).type, "foo.bar");
        assert.equal(delivery.type, "foo.bar");
        assert.match(provider.sampleDescription("foo.bar"), /foo\.bar/);
      });
    } else {
      it("refuses a type it has no sample of with a RangeError naming the samples it has", async () => {
        assert.equal(provider.anySampleType, false);
        const namesSamples = (error: unknown) =>
          error instanceof RangeError && error.message.includes("foo.bar") && provider.sampleTypes.every((type) => error.message.includes(type));

        await assert.rejects(provider.sampleDelivery("foo.bar", { secret, now: NOW, options }), namesSamples);
        assert.throws(() => provider.sampleDescription("foo.bar"), namesSamples);
      });
    }
  });
}
