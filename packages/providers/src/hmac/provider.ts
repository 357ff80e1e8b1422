// Generic HMAC senders, described by the source's `hmac:` block.
import { randomBytes } from "node:crypto";
import { keepAuditHeaders } from "../audit-headers.ts";
import { isJsonContentType } from "../json.ts";
import type { ProviderModule } from "../provider.ts";
import { signedSample } from "../sample-delivery.ts";
import { applySampleFields } from "../sample-fields.ts";
import { SignatureConfigError } from "../signing/errors.ts";
import { hmacFacts } from "./facts.ts";
import { hmacOptions } from "./options.ts";
import { hmacSampleDescription, hmacSamplePayload, hmacSamples } from "./samples.ts";
import { createHmacVerifier, signHmac } from "./signature.ts";

/** The id headers the facts may read, the configured timestamp header, and the user agent. */
const auditNames = ["user-agent", "x-webhook-id", "x-request-id"];

export const hmacProvider: ProviderModule = {
  name: "hmac",
  contentTypes: ["application/json"],
  acceptsContentType: isJsonContentType,
  createVerifier: createHmacVerifier,
  eventFacts: hmacFacts,
  auditHeaders(headers, settings) {
    const timestampHeader = hmacOptions.of(settings)?.timestampHeader;
    return keepAuditHeaders(headers, { names: timestampHeader ? [...auditNames, timestampHeader] : auditNames });
  },
  options: hmacOptions,
  // 32 random bytes in hex.
  newSecret: () => `${randomBytes(32).toString("hex")}`,
  sampleTypes: Object.keys(hmacSamples),
  anySampleType: true,
  sampleDescription: hmacSampleDescription,
  async sampleDelivery(type, options) {
    const { secret, now = new Date(), set = [], related } = options;
    const hmac = hmacOptions.of(options);
    if (!hmac) throw new SignatureConfigError("invalid_hmac_options", "an hmac sample is signed as its source is configured: pass the source's hmac options");
    const rawBody = Buffer.from(JSON.stringify(applySampleFields(hmacSamplePayload(type, related, now), set)), "utf8");
    const timestamp = hmac.timestampHeader === undefined ? undefined : Math.floor(now.getTime() / 1000);
    const delivery = { rawBody, headers: { "content-type": "application/json", ...signHmac(hmac, secret, rawBody, timestamp) } };
    return signedSample(delivery, hmacFacts({ ...delivery, contentType: "application/json" }, { secrets: [secret], options: hmac }), set);
  },
};
