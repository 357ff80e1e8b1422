import { strict as assert } from "node:assert";
import { it } from "node:test";
import { redactedPaths } from "@hooklog/logging";
import { providerModule, providerNames } from "../src/index.ts";

it("every provider's signature header is on the logging redaction list, so a logged request never shows it", async () => {
  // The generic hmac provider's header is whatever its source configures; the others' are fixed.
  for (const name of providerNames.filter((provider) => provider !== "hmac")) {
    const provider = providerModule(name);
    for (const type of provider.sampleTypes) {
      const delivery = await provider.sampleDelivery(type, { secret: "whsec_cmVkYWN0aW9uLXRlc3Qtc2VjcmV0" });
      const signatureHeaders = Object.keys(delivery.headers).filter((header) => /signature/.test(header));

      assert.ok(signatureHeaders.length > 0, `${name} ${type} carries a signature header`);
      for (const header of signatureHeaders) assert.ok(redactedPaths.includes(`*.headers["${header}"]`), `${header} (${name}) is redacted`);
    }
  }
});
