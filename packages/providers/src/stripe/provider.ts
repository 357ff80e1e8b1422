// Stripe: https://docs.stripe.com/webhooks
import { randomBytes } from "node:crypto";
import Stripe from "stripe";
import { keepAuditHeaders } from "../audit-headers.ts";
import { isJsonContentType, parseJsonObject } from "../json.ts";
import type { ProviderModule } from "../provider.ts";
import { signedSample } from "../sample-delivery.ts";
import { applySampleFields } from "../sample-fields.ts";
import { stripeReconciliation } from "./api-settings.ts";
import { stripeAuditRule } from "./audit.ts";
import { stripeEventFacts } from "./facts.ts";
import { stripeSampleDescription, stripeSampleEvent, stripeSamples } from "./samples.ts";
import { createStripeVerifier } from "./signature.ts";

export const stripeProvider: ProviderModule = {
  name: "stripe",
  contentTypes: ["application/json"],
  acceptsContentType: isJsonContentType,
  createVerifier: createStripeVerifier,
  eventFacts: (delivery) => stripeEventFacts(parseJsonObject(delivery.rawBody)),
  auditHeaders: (headers) => keepAuditHeaders(headers, stripeAuditRule),
  reconciliation: stripeReconciliation,
  // Stripe's form: whsec_ and hex.
  newSecret: () => `whsec_${randomBytes(24).toString("hex")}`,
  sampleTypes: Object.keys(stripeSamples),
  anySampleType: false,
  sampleDescription: stripeSampleDescription,
  async sampleDelivery(type, { secret, now = new Date(), set = [], related }) {
    const event = applySampleFields(stripeSampleEvent(type, related, now), set);
    const payload = JSON.stringify(event);
    // Signed by Stripe's own library, so a sample checks our verifier against the real thing.
    const signature = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: Math.floor(now.getTime() / 1000) });
    const delivery = {
      rawBody: Buffer.from(payload, "utf8"),
      headers: {
        "content-type": "application/json; charset=utf-8",
        "user-agent": "Stripe/1.0 (+https://stripe.com/docs/webhooks)",
        "stripe-signature": signature,
      },
    };
    return signedSample(delivery, stripeEventFacts(event), set);
  },
};
