import { HooklogError } from "@hooklog/core";
export type SignatureConfigErrorCode =
  | "no_secrets"
  | "empty_secret"
  | "secret_whitespace"
  | "invalid_secret_encoding"
  | "invalid_tolerance"
  | "invalid_hmac_options"
  | "invalid_timestamp"
  | "unknown_provider";

/**
 * A verifier spec (or signing input) that cannot work. It is a deployment mistake, so it is
 * thrown at start-up rather than returned per request, and retrying cannot help.
 * Messages name the problem and the secret's position, never the secret itself.
 */
export class SignatureConfigError extends HooklogError<SignatureConfigErrorCode> {
  constructor(code: SignatureConfigErrorCode, message: string) {
    super(code, message, { retryable: false });
  }
}
