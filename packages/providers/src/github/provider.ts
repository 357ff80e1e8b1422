// GitHub: https://docs.github.com/en/webhooks
import { randomBytes } from "node:crypto";
import { sign } from "@octokit/webhooks-methods";
import { keepAuditHeaders } from "../audit-headers.ts";
import { isJsonContentType } from "../json.ts";
import type { ProviderModule } from "../provider.ts";
import { signedSample } from "../sample-delivery.ts";
import { applySampleFields } from "../sample-fields.ts";
import { freshUuid } from "../sample-ids.ts";
import { githubReconciliation } from "./api-settings.ts";
import { githubAuditRule } from "./audit.ts";
import { githubDeliveryFacts, githubFacts, isFormContentType } from "./facts.ts";
import { githubHooksOption } from "./options.ts";
import { githubSampleDescription, githubSamplePayload, githubSamples } from "./samples.ts";
import { createGithubVerifier } from "./signature.ts";

export const githubProvider: ProviderModule = {
  name: "github",
  contentTypes: ["application/json", "application/x-www-form-urlencoded"],
  // A webhook may be set to deliver form-encoded (a `payload` field holding the JSON).
  acceptsContentType: (contentType) => isJsonContentType(contentType) || isFormContentType(contentType),
  createVerifier: createGithubVerifier,
  eventFacts: (delivery) => githubDeliveryFacts(delivery),
  auditHeaders: (headers) => keepAuditHeaders(headers, githubAuditRule),
  options: githubHooksOption,
  reconciliation: githubReconciliation,
  // GitHub takes any string: 32 random bytes in hex.
  newSecret: () => `${randomBytes(32).toString("hex")}`,
  sampleTypes: Object.keys(githubSamples),
  anySampleType: false,
  sampleDescription: githubSampleDescription,
  async sampleDelivery(type, { secret, now = new Date(), set = [], related }) {
    const sample = githubSamplePayload(type, related, now);
    const payload = applySampleFields(sample.payload, set);
    const body = JSON.stringify(payload);
    const repository = payload.repository as { id?: unknown } | undefined;
    // A new guid per delivery, as GitHub's; a redelivery would keep it.
    const deliveryId = freshUuid();
    const delivery = {
      rawBody: Buffer.from(body, "utf8"),
      headers: {
        "content-type": "application/json",
        "user-agent": "GitHub-Hookshot/a9c3c6f",
        "x-github-event": sample.eventName,
        "x-github-delivery": deliveryId,
        "x-github-hook-id": String(sample.hookId),
        "x-github-hook-installation-target-type": "repository",
        "x-github-hook-installation-target-id": String(repository?.id ?? ""),
        // Signed by Octokit's own implementation of GitHub's scheme.
        "x-hub-signature-256": await sign(secret, body),
      },
    };
    return signedSample(delivery, githubFacts({ deliveryId, eventName: sample.eventName, payload }), set);
  },
};
