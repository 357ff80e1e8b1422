// Standard Webhooks and Svix senders: https://www.standardwebhooks.com/
import { randomBytes } from "node:crypto";
import { Webhook } from "standardwebhooks";
import { keepAuditHeaders, type AuditRule } from "../audit-headers.ts";
import { isJsonContentType } from "../json.ts";
import type { ProviderModule } from "../provider.ts";
import { signedSample } from "../sample-delivery.ts";
import { applySampleFields } from "../sample-fields.ts";
import { freshId } from "../sample-ids.ts";
import { standardWebhooksFacts } from "./facts.ts";
import { standardWebhooksSampleDescription, standardWebhooksSamplePayload, standardWebhooksSamples } from "./samples.ts";
import { createStandardWebhooksVerifier } from "./signature.ts";

/** The signed metadata (id and timestamp, in either header family) and the sender's user agent. */
const auditRule: AuditRule = { names: ["user-agent", "webhook-id", "webhook-timestamp", "svix-id", "svix-timestamp"] };

export const standardWebhooksProvider: ProviderModule = {
  name: "standard-webhooks",
  contentTypes: ["application/json"],
  acceptsContentType: isJsonContentType,
  createVerifier: createStandardWebhooksVerifier,
  eventFacts: (delivery) => standardWebhooksFacts(delivery),
  auditHeaders: (headers) => keepAuditHeaders(headers, auditRule),
  // whsec_ and base64, as the spec has it.
  newSecret: () => `whsec_${randomBytes(24).toString("base64")}`,
  sampleTypes: Object.keys(standardWebhooksSamples),
  anySampleType: true,
  sampleDescription: standardWebhooksSampleDescription,
  async sampleDelivery(type, { secret, now = new Date(), set = [], related }) {
    const body = JSON.stringify(applySampleFields(standardWebhooksSamplePayload(type, related, now), set));
    // The message id, fresh for every sample: a sender keeps it only for its own retries.
    const id = freshId("msg_", 27);
    // Signed by the reference library of the specification.
    const signature = new Webhook(secret).sign(id, now, body);
    const delivery = {
      rawBody: Buffer.from(body, "utf8"),
      headers: {
        "content-type": "application/json",
        "webhook-id": id,
        "webhook-timestamp": String(Math.floor(now.getTime() / 1000)),
        "webhook-signature": signature,
      },
    };
    return signedSample(delivery, standardWebhooksFacts({ ...delivery, contentType: delivery.headers["content-type"] }), set);
  },
};
