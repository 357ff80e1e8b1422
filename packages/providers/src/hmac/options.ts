// The source's `hmac:` block in hooklog.config.yaml: how its sender signs.
import { z } from "@hooklog/config";
import { defineProviderOptions } from "../provider-options.ts";

/** The generic scheme's shape, from the source's `hmac:` block in hooklog.config.yaml. */
export interface HmacSchemeOptions {
  /** Header carrying the signature, e.g. "x-signature"; looked up lower-cased. */
  header: string;
  algorithm: "sha256" | "sha512";
  encoding: "hex" | "base64";
  /** Stripped from the header value before decoding, e.g. "sha256=". */
  prefix?: string | undefined;
  /** When set, the signed content is `${timestamp}.${body}` (unix seconds) and the tolerance applies. */
  timestampHeader?: string | undefined;
}

// Headers reach the verifier lower-cased, so the names are too.
const headerName = z
  .string()
  .min(1)
  .transform((name) => name.toLowerCase());

const hmacBlock: z.ZodType<HmacSchemeOptions> = z.strictObject({
  header: headerName,
  algorithm: z.enum(["sha256", "sha512"]).default("sha256"),
  encoding: z.enum(["hex", "base64"]).default("hex"),
  prefix: z.string().optional(),
  timestampHeader: headerName.optional(),
});

/** Every hmac source needs one: the scheme has no fixed header or encoding. */
export const hmacOptions = defineProviderOptions({ key: "hmac", schema: hmacBlock, required: true, summary: "{ header, algorithm, encoding }" });
