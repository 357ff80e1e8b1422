export type SignatureEncoding = "hex" | "base64";

/**
 * Decodes only the canonical spelling (lower-case hex, padded standard base64 with zeroed
 * spare bits), so one signature has exactly one accepted form — as in the providers' own
 * libraries, which compare the encoded strings. Buffer.from alone would skip invalid characters.
 */
export function decodeCanonical(value: string, encoding: SignatureEncoding): Buffer | null {
  if (value.length === 0) {
    return null;
  }
  const bytes = Buffer.from(value, encoding);
  return bytes.toString(encoding) === value ? bytes : null;
}

const standardBase64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Strict standard base64 (alphabet and padding), for secrets that were generated elsewhere. */
export function decodeBase64Strict(value: string): Buffer | null {
  return standardBase64.test(value) ? Buffer.from(value, "base64") : null;
}
