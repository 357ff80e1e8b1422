import { z } from "zod";

/** A bearer token as RFC 6750 §2.1 spells it (b64token): anything else could not be sent in the header. */
const b64token = /^[A-Za-z0-9\-._~+/]+=*$/;
const MIN_TOKEN_LENGTH = 16;
/** `name=token`: who holds the token, recorded with every action taken with it. */
const namedEntry = /^([A-Za-z][A-Za-z0-9_.@-]{0,63})=(.+)$/;

/** One accepted admin token and the name actions taken with it are recorded under. */
export interface AdminToken {
  name: string;
  token: string;
}

/**
 * Splits a comma-separated token list as HOOKLOG_ADMIN_TOKENS is written: entries trimmed, empty ones
 * dropped; `name=token` names a token (a token alone is named by its place: `token 2`). An entry is
 * read as named only when what follows the `=` is itself a token: base64 padding stays a token's own.
 */
const splitTokenList = (value: string): AdminToken[] =>
  value
    .split(",")
    .map((entry) => entry.trim())
    .filter(Boolean)
    .map((entry, index) => {
      const named = namedEntry.exec(entry);
      const token = named?.[2];
      if (named?.[1] && token && b64token.test(token) && token.length >= MIN_TOKEN_LENGTH) return { name: named[1], token };
      return { name: `token ${index + 1}`, token: entry };
    });

/**
 * HOOKLOG_ADMIN_TOKENS with names: the bearer tokens the admin endpoints and the console accept,
 * comma-separated so a token can rotate (any listed one is accepted). Unset means none: admin
 * endpoints then refuse every request. A problem names the token by its place, never by its value.
 */
export const namedAdminTokens = z
  .string()
  .default("")
  .transform(splitTokenList)
  .superRefine((tokens, context) => {
    tokens.forEach(({ token }, index) => {
      const which = `token ${index + 1} of ${tokens.length}`;
      if (token.length < MIN_TOKEN_LENGTH)
        context.addIssue({
          code: "custom",
          message: `${which} is ${token.length} characters; each must be at least ${MIN_TOKEN_LENGTH} (e.g. openssl rand -base64 32)`,
        });
      else if (!b64token.test(token))
        context.addIssue({
          code: "custom",
          message: `${which} has a character a Bearer header cannot carry; use letters, digits and - . _ ~ + / (= only at the end), or name=token`,
        });
    });
  });

/** HOOKLOG_ADMIN_TOKENS as the tokens alone, for a service that only checks them. */
export const adminTokens = namedAdminTokens.transform((tokens) => tokens.map(({ token }) => token));
