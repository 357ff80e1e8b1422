import { createHash, createHmac, createSecretKey, type KeyObject } from "node:crypto";
export type HmacAlgorithm = "sha256" | "sha512";

/** Secrets become KeyObjects once, at start-up, so the plain strings are not kept around. */
export function utf8SigningKey(secret: string): KeyObject {
  return createSecretKey(Buffer.from(secret, "utf8"));
}

export function utf8SigningKeys(secrets: readonly string[]): KeyObject[] {
  return secrets.map(utf8SigningKey);
}

/** The signed content is fed in parts, so the raw body bytes are never decoded into a string. */
export function hmacDigest(algorithm: HmacAlgorithm, key: KeyObject, signedParts: readonly (string | Buffer)[]): Buffer {
  const hmac = createHmac(algorithm, key);
  for (const part of signedParts) {
    hmac.update(part);
  }
  return hmac.digest();
}

/** SHA-256 of the signed content, hex: what identifies a signed delivery when its id is not signed. */
export function signedContentDigest(signedParts: readonly (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const part of signedParts) hash.update(part);
  return hash.digest("hex");
}
