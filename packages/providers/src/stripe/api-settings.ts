// Reconciliation's access to Stripe's API, from the environment.
import { ConfigError, loadConfig, z } from "@hooklog/config";
import type { ApiAccess, ApiReconciliation } from "../api/reconciliation.ts";
import { StripeReconciler, createStripeClient } from "./reconciler.ts";

/** Stripe's SDK takes host, port and protocol, not a URL; a path cannot be set (it always calls /v1/...). */
export interface StripeEndpoint {
  host: string;
  port: number;
  protocol: "http" | "https";
}

const settings = {
  /** A secret or restricted key (sk_... / rk_...) that may list events; Stripe sources are reconciled only when it is set. */
  STRIPE_API_KEY: z
    .string()
    .regex(/^(sk|rk)_\w+$/, "expected a Stripe secret or restricted key (sk_... or rk_...) with read access to Events")
    .optional(),
  STRIPE_API_BASE: z
    .url({ protocol: /^https?$/, error: "expected an http(s) URL such as https://api.stripe.com" })
    .transform((value) => value.replace(/\/+$/, ""))
    .optional(),
};

export function stripeEndpoint(service: string, base: string | undefined): StripeEndpoint | undefined {
  if (base === undefined) return undefined;
  const url = new URL(base);
  if (url.pathname !== "/" || url.search !== "") {
    throw new ConfigError(service, [`STRIPE_API_BASE: must be scheme://host[:port] without a path (got ${base}); the Stripe SDK always calls /v1/... on it`]);
  }
  const protocol = url.protocol === "http:" ? "http" : "https";
  return { host: url.hostname, port: url.port === "" ? (protocol === "http" ? 80 : 443) : Number(url.port), protocol };
}

export const stripeReconciliation: ApiReconciliation = {
  loadAccess(service, env): ApiAccess {
    const { STRIPE_API_KEY: apiKey, STRIPE_API_BASE } = loadConfig(service, settings, env);
    const endpoint = stripeEndpoint(service, STRIPE_API_BASE);
    return {
      missing: () => (apiKey ? undefined : "set STRIPE_API_KEY to reconcile Stripe sources"),
      createReconciler: ({ retry, onRetry, now }) =>
        apiKey ? new StripeReconciler({ stripe: createStripeClient(apiKey, endpoint), retry, onRetry, now }) : undefined,
    };
  },
};
