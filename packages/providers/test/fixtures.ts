// Shared arrangement for the specs: a fixed clock, rotation-ready secrets per provider, and
// signers that are the providers' own libraries, so the tests check against the real thing.
import { strict as assert } from "node:assert";
import { it } from "node:test";
import Stripe from "stripe";
import { Webhook } from "standardwebhooks";
import { sign as signGithub } from "@octokit/webhooks-methods";
import type { SignedRequest, VerificationFailureReason, Verifier } from "../src/index.ts";

export const NOW = new Date("2025-06-01T12:00:00.000Z");
export const NOW_SECONDS = NOW.getTime() / 1000;
export const TOLERANCE_SECONDS = 300;

export const stripeSecrets = ["whsec_stripeCurrent0123456789abcdef", "whsec_stripePrevious9876543210fedcba"];
export const githubSecrets = ["github-current-secret-1f2e3d", "github-previous-secret-4c5b6a"];
// The first is the example secret from the Standard Webhooks and Svix documentation.
export const standardSecrets = ["whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_c2Vjb25kLXN0YW5kYXJkLXNlY3JldC1rZXk="];
export const hmacSecrets = ["hmac-current-secret-aa11", "hmac-previous-secret-bb22"];

export const EVENT_BODY = '{"id":"evt_1","object":"event","type":"charge.succeeded"}';

export function signedRequest(body: string | Buffer, headers: SignedRequest["headers"]): SignedRequest {
  return { rawBody: typeof body === "string" ? Buffer.from(body, "utf8") : body, headers };
}

export function stripeSignature(payload: string, secret: string, timestampSeconds = NOW_SECONDS): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: timestampSeconds });
}

export function stripeRequest(payload: string, secret: string, timestampSeconds = NOW_SECONDS): SignedRequest {
  return signedRequest(payload, { "stripe-signature": stripeSignature(payload, secret, timestampSeconds) });
}

export async function githubRequest(payload: string, secret: string): Promise<SignedRequest> {
  return signedRequest(payload, { "x-hub-signature-256": await signGithub(secret, payload) });
}

export function standardWebhookHeaders(
  payload: string,
  secret: string,
  timestampSeconds = NOW_SECONDS,
  id = "msg_2Lh9KRb6pzN4rmVYYzkXrR2oEN7",
): Record<string, string> {
  return {
    "webhook-id": id,
    "webhook-timestamp": String(timestampSeconds),
    "webhook-signature": new Webhook(secret).sign(id, new Date(timestampSeconds * 1000), payload),
  };
}

export function standardWebhookRequest(payload: string, secret: string, timestampSeconds = NOW_SECONDS): SignedRequest {
  return signedRequest(payload, standardWebhookHeaders(payload, secret, timestampSeconds));
}

/** A copy of the request with one header replaced (or removed, with undefined). */
export function withHeader(request: SignedRequest, name: string, value: string | undefined): SignedRequest {
  return { rawBody: request.rawBody, headers: { ...request.headers, [name]: value } };
}

export function header(request: SignedRequest, name: string): string {
  const value = request.headers[name];
  if (value === undefined) {
    throw new Error(`fixture request has no ${name} header`);
  }
  return value;
}

export interface RejectionCase {
  name: string;
  request: SignedRequest;
  reason: VerificationFailureReason;
}

/** Declares one spec per case: "rejects <name> as <reason>". */
export function itRejects(verifier: Verifier, cases: readonly RejectionCase[]): void {
  for (const { name, request, reason } of cases) {
    it(`rejects ${name} as ${reason}`, () => {
      const result = verifier.verify(request, NOW);

      assert.equal(result.ok ? "ok" : result.reason, reason);
    });
  }
}
