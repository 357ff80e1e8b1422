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
