/** The record of schemas/hooklog.Delivery.v1.avsc: one inbound request and ingest's answer, metadata only. */
export const DELIVERY = "hooklog.Delivery";

export type DeliveryOutcome = "accepted" | "duplicate" | "ignored" | "rejected" | "unavailable";

/** hooklog.Delivery as TypeScript sees it; `receivedAt` is epoch milliseconds (a reader may hand it over as a Date). */
export interface Delivery {
  eventId: string;
  receivedAt: number | Date;
  source: string;
  requestId: string;
  client: string;
  outcome: DeliveryOutcome;
  status: number;
  reason: string | null;
  bodyBytes: number;
  verificationScheme: string | null;
  secretIndex: number | null;
  verificationFailure: string | null;
  hubEventId: string | null;
  providerEventId: string | null;
  eventType: string | null;
  headers: Record<string, string>;
}
