import { githubProvider } from "./github/provider.ts";
import { hmacProvider } from "./hmac/provider.ts";
import type { ProviderModule, SourceSettings } from "./provider.ts";
import { SignatureConfigError } from "./signing/errors.ts";
import type { Verifier } from "./signing/types.ts";
import { standardWebhooksProvider } from "./standard-webhooks/provider.ts";
import { stripeProvider } from "./stripe/provider.ts";

/**
 * Every provider, keyed by the `provider:` value of hooklog.config.yaml. Adding a provider is its
 * folder and one line here: the names the config accepts are derived from these keys, so a name
 * without a module cannot be written, and a lookup of a name the types do not know fails at `never`.
 */
const providers = {
  stripe: stripeProvider,
  github: githubProvider,
  "standard-webhooks": standardWebhooksProvider,
  hmac: hmacProvider,
} as const satisfies Record<string, ProviderModule>;

export type ProviderName = keyof typeof providers;

export const providerNames = Object.keys(providers) as [ProviderName, ...ProviderName[]];

export const isProviderName = (value: string): value is ProviderName => Object.hasOwn(providers, value);

/** The module of `name`; throws for a name that slipped past the types (untyped config). */
export function providerModule(name: ProviderName): ProviderModule {
  if (isProviderName(name)) return providers[name];
  const unknown: never = name;
  throw new SignatureConfigError("unknown_provider", `unknown provider ${JSON.stringify(unknown)}`);
}

export interface VerifierSpec extends SourceSettings {
  provider: ProviderName;
}

/** The verifier of a source: its provider's scheme over its secrets. */
export function createVerifier(spec: VerifierSpec): Verifier {
  return providerModule(spec.provider).createVerifier(spec);
}
