import { strict as assert } from "node:assert";
import { describe, it } from "node:test";
import { providerModule, providerNames, type HmacSchemeOptions, type SourceSettings } from "../src/index.ts";

const NOW = new Date("2026-03-02T09:30:00.000Z");
const hmac: HmacSchemeOptions = { header: "x-acme-signature", algorithm: "sha256", encoding: "hex", prefix: "sha256=", timestampHeader: "x-acme-timestamp" };
// Base64 after whsec_, as Standard Webhooks secrets are; the others take it as it is.
const secret = "whsec_c2FtcGxlLXNpZ25pbmcta2V5LWZvci10ZXN0cw==";

for (const name of providerNames) {
  const provider = providerModule(name);
  // Only the generic hmac provider needs its block to sign and verify; GitHub's hooks play no part in samples.
  const options = name === "hmac" ? hmac : undefined;
  const settings: SourceSettings = { secrets: [secret], toleranceSeconds: 300, options };

  describe(`${name} samples`, () => {
    it("has samples, and each is signed so that the provider's own verifier accepts it", async () => {
      assert.ok(provider.sampleTypes.length >= 2);
      const verifier = provider.createVerifier(settings);
      for (const type of provider.sampleTypes) {
        const delivery = await provider.sampleDelivery(type, { secret, now: NOW, options });

        const result = verifier.verify(delivery, NOW);

        assert.equal(result.ok, true, `${type}: ${result.ok ? "" : result.message}`);
      }
    });

    it("makes new secrets in a form its own verifier takes, different every time", async () => {
      const [fresh, other] = [provider.newSecret(), provider.newSecret()];
      assert.notEqual(fresh, other);
      const type = provider.sampleTypes[0] as string;
      const delivery = await provider.sampleDelivery(type, { secret: fresh, now: NOW, options });

      const result = provider.createVerifier({ ...settings, secrets: [fresh] }).verify(delivery, NOW);

      assert.equal(result.ok, true, result.ok ? "" : result.message);
    });

    it("gives each sample the type it was asked for, and a fresh event id every time", async () => {
      for (const type of provider.sampleTypes) {
        const [first, second] = await Promise.all([1, 2].map(() => provider.sampleDelivery(type, { secret, now: NOW, options })));
        const facts = [first, second].map(
          (delivery) => delivery && provider.eventFacts({ ...delivery, contentType: delivery.headers["content-type"] ?? "" }, settings),
        );

        const [a, b] = facts.map((result) => (result?.ok ? result.facts : assert.fail(`${type}: no facts`)));
        assert.equal(a?.type, type);
        assert.notEqual(a?.providerEventId, b?.providerEventId);
      }
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
  });
}
