/** One POST as a provider sends it: the raw body and its headers, signature included. */
export interface SignedDelivery {
  body: Buffer;
  headers: Record<string, string>;
}
