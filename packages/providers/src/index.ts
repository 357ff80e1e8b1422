export { createVerifier, isProviderName, providerModule, providerNames } from "./registry.ts";
export type { ProviderName, VerifierSpec } from "./registry.ts";
export type { Delivery, EventFacts, FactsResult, FetchedEvent, ProviderModule, SampleOptions, SignedDelivery, SourceSettings } from "./provider.ts";
export { SignatureConfigError } from "./signing/errors.ts";
export type { SignatureConfigErrorCode } from "./signing/errors.ts";
export type { SignedRequest, VerificationFailureReason, VerificationResult, Verifier } from "./signing/types.ts";
export type { HmacSchemeOptions } from "./hmac/options.ts";
export { signHmac } from "./hmac/signature.ts";
// A provider's API mapping, for its reconciler.
export { eventFromStripeApi } from "./stripe/api-events.ts";
export { eventFromGitHubDelivery } from "./github/deliveries.ts";
export type { GitHubDeliveryRecord } from "./github/deliveries.ts";
