import { signStandardWebhook } from "@hooklog/providers";

/**
 * Standard Webhooks signature headers (https://www.standardwebhooks.com/), one `v1,` signature per
 * secret, so a receiver can rotate by accepting either while both are configured. Each signature is
 * the providers' signStandardWebhook, over the bytes sent.
 */
export function standardWebhooksHeaders(messageId: string, body: Buffer, secrets: readonly string[], now: Date = new Date()): Record<string, string> {
  const timestamp = Math.floor(now.getTime() / 1000);
  const signatures = secrets.map((secret) => signStandardWebhook(secret, messageId, timestamp, body));
  return { "webhook-id": messageId, "webhook-timestamp": String(timestamp), "webhook-signature": signatures.join(" ") };
}
