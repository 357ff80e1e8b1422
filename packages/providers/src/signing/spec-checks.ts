import { SignatureConfigError } from "./errors.ts";

/** Rejects secret lists that would make every request fail (or pass) for a reason nobody would guess. */
export function requireSecrets(secrets: readonly string[]): void {
  if (secrets.length === 0) {
    throw new SignatureConfigError("no_secrets", "at least one secret is required");
  }
  secrets.forEach((secret, index) => {
    if (secret.length === 0) {
      throw new SignatureConfigError("empty_secret", `secrets[${index}] is empty`);
    }
    // A trailing newline from a secrets file silently breaks every verification (Stripe's library warns about the same).
    if (secret.trim() !== secret) {
      throw new SignatureConfigError("secret_whitespace", `secrets[${index}] starts or ends with whitespace`);
    }
  });
}

/** Tolerance 0 means "this very second"; there is no value that switches replay protection off. */
export function requireTolerance(toleranceSeconds: number | undefined): asserts toleranceSeconds is number {
  if (toleranceSeconds === undefined || !Number.isFinite(toleranceSeconds) || toleranceSeconds < 0) {
    throw new SignatureConfigError("invalid_tolerance", `toleranceSeconds must be a finite number >= 0, got ${String(toleranceSeconds)}`);
  }
}
