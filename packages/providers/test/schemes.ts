// One table of the four schemes, each with a verifier holding two secrets and a signer, for the
// specs that state the same behaviour for every provider (rotation, tolerance, tampering, messages).
import { createVerifier, signHmac } from "../src/index.ts";
import type { HmacSchemeOptions, SignedRequest, Verifier } from "../src/index.ts";
import {
  TOLERANCE_SECONDS,
  githubRequest,
  githubSecrets,
  hmacSecrets,
  signedRequest,
  standardSecrets,
  standardWebhookRequest,
  stripeRequest,
  stripeSecrets,
} from "./fixtures.ts";

/** Where a part of the request lives: a header, and the span of its value that the part occupies. */
export interface HeaderSpan {
  header: string;
  span: (value: string) => { start: number; end: number };
}

export interface SchemeFixture {
  provider: string;
  secrets: readonly string[];
  /** Well-formed for this scheme, but not configured in the verifier. */
  unconfiguredSecret: string;
  verifier: Verifier;
  sign: (payload: string, secret: string, timestampSeconds: number) => Promise<SignedRequest>;
  signature: HeaderSpan;
  /** null for schemes that sign no timestamp. */
  timestamp: HeaderSpan | null;
}

const afterPrefix = (prefix: string) => (value: string) => ({ start: prefix.length, end: value.length });
const wholeValue = (value: string) => ({ start: 0, end: value.length });

export const hmacOptions: HmacSchemeOptions = {
  header: "x-signature",
  algorithm: "sha256",
  encoding: "hex",
  prefix: "sha256=",
  timestampHeader: "x-timestamp",
};

export const schemes: readonly SchemeFixture[] = [
  {
    provider: "stripe",
    secrets: stripeSecrets,
    unconfiguredSecret: "whsec_unconfiguredStripeSecret",
    verifier: createVerifier({ provider: "stripe", secrets: stripeSecrets, toleranceSeconds: TOLERANCE_SECONDS }),
    sign: async (payload, secret, seconds) => stripeRequest(payload, secret, seconds),
    signature: { header: "stripe-signature", span: (value) => ({ start: value.indexOf(",v1=") + 4, end: value.length }) },
    timestamp: { header: "stripe-signature", span: (value) => ({ start: "t=".length, end: value.indexOf(",") }) },
  },
  {
    provider: "github",
    secrets: githubSecrets,
    unconfiguredSecret: "unconfigured-github-secret",
    verifier: createVerifier({ provider: "github", secrets: githubSecrets }),
    sign: (payload, secret) => githubRequest(payload, secret),
    signature: { header: "x-hub-signature-256", span: afterPrefix("sha256=") },
    timestamp: null,
  },
  {
    provider: "standard-webhooks",
    secrets: standardSecrets,
    unconfiguredSecret: "whsec_dW5jb25maWd1cmVkLXNlY3JldA==",
    verifier: createVerifier({ provider: "standard-webhooks", secrets: standardSecrets, toleranceSeconds: TOLERANCE_SECONDS }),
    sign: async (payload, secret, seconds) => standardWebhookRequest(payload, secret, seconds),
    signature: { header: "webhook-signature", span: afterPrefix("v1,") },
    timestamp: { header: "webhook-timestamp", span: wholeValue },
  },
  {
    provider: "hmac",
    secrets: hmacSecrets,
    unconfiguredSecret: "unconfigured-hmac-secret",
    verifier: createVerifier({ provider: "hmac", secrets: hmacSecrets, toleranceSeconds: TOLERANCE_SECONDS, options: hmacOptions }),
    sign: async (payload, secret, seconds) => {
      const rawBody = Buffer.from(payload, "utf8");
      return signedRequest(rawBody, signHmac(hmacOptions, secret, rawBody, seconds));
    },
    signature: { header: "x-signature", span: afterPrefix("sha256=") },
    timestamp: { header: "x-timestamp", span: wholeValue },
  },
];
