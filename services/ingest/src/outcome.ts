/** Every way a webhook request can end; app.ts maps each to exactly one HTTP answer. */
export type IngestOutcome =
  | { kind: "accepted"; eventId: string }
  | { kind: "duplicate"; providerEventId: string }
  | { kind: "ignored"; type: string }
  | { kind: "rejected"; status: 400 | 401 | 404 | 413 | 415 | 429 | 431; code: string; message: string; retryAfterSeconds?: number }
  | {
      kind: "unavailable";
      code: "kafka_unavailable" | "ledger_unavailable" | "topic_missing" | "registry_unavailable" | "overloaded" | "internal_error";
      message: string;
      retryAfterSeconds: number;
    };

export const rejected = (status: 400 | 401 | 404 | 413 | 415 | 429 | 431, code: string, message: string, retryAfterSeconds?: number): IngestOutcome => ({
  kind: "rejected",
  status,
  code,
  message,
  ...(retryAfterSeconds === undefined ? {} : { retryAfterSeconds }),
});
