import { SignatureConfigError } from "./errors.ts";
import { createGithubVerifier } from "./github.ts";
import { createHmacVerifier } from "./hmac.ts";
import { createStandardWebhooksVerifier } from "./standard-webhooks.ts";
import { createStripeVerifier } from "./stripe.ts";
import type { Verifier, VerifierSpec } from "./types.ts";

/**
 * The registry of schemes, keyed by provider. Adding a Provider without a case here fails the
 * type check at the `never` line; a provider that slips past the types (untyped config) throws.
 */
export function createVerifier(spec: VerifierSpec): Verifier {
  switch (spec.provider) {
    case "stripe":
      return createStripeVerifier(spec);
    case "github":
      return createGithubVerifier(spec);
    case "standard-webhooks":
      return createStandardWebhooksVerifier(spec);
    case "hmac":
      return createHmacVerifier(spec);
    default: {
      const unknown: never = spec;
      const provider = (unknown as { provider: unknown }).provider;
      throw new SignatureConfigError("unknown_provider", `unknown provider ${JSON.stringify(provider)}`);
    }
  }
}
