// One POST to ingest over node:http, as a provider's sender makes it: its own keep-alive pool with no
// cap on connections (providers do not queue behind each other), and a timeout after which the
// delivery counts as unanswered.
import { Agent, request } from "node:http";
import type { SignedDelivery } from "./signed-delivery.ts";

export interface Answer {
  /** 0 when no answer came: refused, reset, or timed out. */
  status: number;
  /** The outcome ingest named: its `status` (accepted, duplicate) or error code (kafka_unavailable, ...). */
  outcome: string;
  retryAfterSeconds: number | undefined;
}

export class Poster {
  readonly #agent = new Agent({ keepAlive: true, maxSockets: Infinity, scheduling: "fifo" });
  readonly #timeoutMs: number;

  constructor(timeoutMs: number) {
    this.#timeoutMs = timeoutMs;
  }

  post(baseUrl: string, source: string, delivery: SignedDelivery): Promise<Answer> {
    const { hostname, port } = new URL(baseUrl);
    return new Promise((resolve) => {
      let settled = false;
      const settle = (answer: Answer): void => {
        if (settled) return;
        settled = true;
        resolve(answer);
      };
      const outgoing = request(
        {
          hostname,
          port,
          path: `/webhooks/${source}`,
          method: "POST",
          agent: this.#agent,
          timeout: this.#timeoutMs,
          headers: { ...delivery.headers, "content-length": delivery.body.length },
        },
        (response) => {
          const chunks: Buffer[] = [];
          response.on("data", (chunk: Buffer) => chunks.push(chunk));
          response.on("error", (error: NodeJS.ErrnoException) => settle({ status: 0, outcome: error.code ?? "response_error", retryAfterSeconds: undefined }));
          response.on("end", () => {
            const retryAfter = Number(response.headers["retry-after"]);
            settle({
              status: response.statusCode ?? 0,
              outcome: outcomeOf(Buffer.concat(chunks).toString("utf8")),
              retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : undefined,
            });
          });
        },
      );
      outgoing.on("timeout", () => outgoing.destroy(Object.assign(new Error("timed out"), { code: "TIMEOUT" })));
      outgoing.on("error", (error: NodeJS.ErrnoException) => settle({ status: 0, outcome: error.code ?? "request_error", retryAfterSeconds: undefined }));
      outgoing.end(delivery.body);
    });
  }

  close(): void {
    this.#agent.destroy();
  }
}

function outcomeOf(text: string): string {
  try {
    const body = JSON.parse(text) as { status?: unknown; error?: { code?: unknown } };
    if (typeof body.status === "string") return body.status;
    if (typeof body.error?.code === "string") return body.error.code;
  } catch {
    // not JSON (a proxy's page, say): the status alone tells
  }
  return "unknown";
}
