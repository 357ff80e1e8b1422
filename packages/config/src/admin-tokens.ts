import { z } from "zod";

/** A bearer token as RFC 6750 §2.1 spells it (b64token): anything else could not be sent in the header. */
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;
const MIN_TOKEN_LENGTH = 16;

/** Splits a comma-separated token list as HOOKLOG_ADMIN_TOKENS is written: entries trimmed, empty ones dropped. */
const splitTokenList = (value: string): string[] =>
  value
    .split(",")
    .map((token) => token.trim())
    .filter(Boolean);

/**
 * HOOKLOG_ADMIN_TOKENS: the bearer tokens the admin endpoints accept, comma-separated so a token can
 * rotate (any listed one is accepted). Unset means none: admin endpoints then refuse every request.
 * A problem names the token by its place in the list, never by its value.
 */
export const adminTokens = z
  .string()
  .default("")
  .transform(splitTokenList)
  .superRefine((tokens, context) => {
    tokens.forEach((token, index) => {
      const which = `token ${index + 1} of ${tokens.length}`;
      if (token.length < MIN_TOKEN_LENGTH)
        context.addIssue({
          code: "custom",
          message: `${which} is ${token.length} characters; each must be at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -base64 32)`,
        });
      else if (!b64token.test(token))
        context.addIssue({
          code: "custom",
          message: `${which} has a character a Bearer header cannot carry; use letters, digits and - . _ ~ + / (= only at the end)`,
        });
    });
  });
