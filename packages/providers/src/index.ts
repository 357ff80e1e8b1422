export { createVerifier, isProviderName, providerModule, providerNames } from "./registry.ts";
export type { ProviderName, VerifierSpec } from "./registry.ts";
export type { Delivery, EventFacts, FactsResult, FetchedEvent, ProviderModule, SampleOptions, SignedDelivery, SourceSettings } from "./provider.ts";
export type { ProviderOptions } from "./provider-options.ts";
// Samples (hooklog trigger): related runs, and fields set before signing.
export type { Json } from "./json.ts";
export { newSampleRelations } from "./sample-relations.ts";
export type { SampleRelations } from "./sample-relations.ts";
export { SampleFieldError, applySampleFields } from "./sample-fields.ts";
export type { SampleField } from "./sample-fields.ts";
export { SignatureConfigError } from "./signing/errors.ts";
export type { SignatureConfigErrorCode } from "./signing/errors.ts";
export type { SignedRequest, VerificationFailureReason, VerificationResult, Verifier } from "./signing/types.ts";
export type { HmacSchemeOptions } from "./hmac/options.ts";
export { signHmac } from "./hmac/signature.ts";
export { signStandardWebhook } from "./standard-webhooks/signature.ts";
// Reconciliation: what a provider with an API offers it, and how its API failures are told and bounded.
export type { ApiAccess, ApiReconciliation, ReconcileRun, ReconciledSource, ReconcilerDeps, SourceReconciler } from "./api/reconciliation.ts";
export { ProviderApiError, sleep } from "./api/retry.ts";
export type { ApiFailure, RetryListener, RetryPolicy } from "./api/retry.ts";
// A provider's API mapping, which its reconciler uses (and the paths-agree test).
export { eventFromStripeApi } from "./stripe/api-events.ts";
export { eventFromGitHubDelivery } from "./github/deliveries.ts";
export type { GitHubDeliveryRecord } from "./github/deliveries.ts";
