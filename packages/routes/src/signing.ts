import { createHmac } from "node:crypto";

/**
 * Standard Webhooks signature headers (https://www.standardwebhooks.com/): HMAC-SHA256 over
 * `id.timestamp.body` with the secret's bytes (base64 after `whsec_`), one `v1,` signature per
 * secret, so a receiver can rotate by accepting either while both are configured.
 */
export function standardWebhooksHeaders(messageId: string, body: Buffer, secrets: readonly string[], now: Date = new Date()): Record<string, string> {
  const timestamp = String(Math.floor(now.getTime() / 1000));
  const signatures = secrets.map((secret) => {
    const key = Buffer.from(secret.startsWith("whsec_") ? secret.slice("whsec_".length) : secret, "base64");
    const mac = createHmac("sha256", key).update(`${messageId}.${timestamp}.`).update(body).digest("base64");
    return `v1,${mac}`;
  });
  return { "webhook-id": messageId, "webhook-timestamp": timestamp, "webhook-signature": signatures.join(" ") };
}
