// Deliveries as the providers send them: bodies shaped like theirs, signed by their own libraries
// (or, for the generic scheme, by our signHmac), posted to ingest over real HTTP.
import { randomBytes, randomUUID } from "node:crypto";
import { request } from "node:http";
import { sign as signWithOctokit } from "@octokit/webhooks-methods";
import { signHmac } from "@hooklog/providers";
import { Webhook } from "standardwebhooks";
import Stripe from "stripe";
import { HMAC_OPTIONS } from "./harness.ts";

export interface Delivery {
  body: string;
  headers: Record<string, string>;
}

const nowSeconds = (): number => Math.floor(Date.now() / 1000);
const token = (): string => randomBytes(8).toString("hex");

export const STRIPE_USER_AGENT = "Stripe/1.0 (+https://stripe.com/docs/webhooks)";
export const GITHUB_USER_AGENT = "GitHub-Hookshot/5f3c2b1";

/** A Stripe event, pretty-printed as Stripe sends it, so byte-exactness is visible. */
export function stripeEventBody(extra: Record<string, unknown> = {}): { body: string; eventId: string; objectId: string } {
  const eventId = `evt_${token()}`;
  const objectId = `ch_${token()}`;
  const event = {
    id: eventId,
    object: "event",
    api_version: "2025-06-30.basil",
    created: nowSeconds(),
    type: "charge.succeeded",
    livemode: false,
    data: { object: { id: objectId, object: "charge", amount: 2000, currency: "eur", description: "Café crème ☕" } },
    ...extra,
  };
  return { body: JSON.stringify(event, null, 2), eventId, objectId };
}

export function stripeDelivery(body: string, secret: string, timestampSeconds: number = nowSeconds()): Delivery {
  return {
    body,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "user-agent": STRIPE_USER_AGENT,
      "stripe-signature": Stripe.webhooks.generateTestHeaderString({ payload: body, secret, timestamp: timestampSeconds }),
    },
  };
}

export function githubPullRequestBody(extra: Record<string, unknown> = {}): { body: string; repository: string; number: number } {
  const repository = `octo-org/hooklog-${token()}`;
  const number = 1347;
  const payload = {
    action: "opened",
    number,
    pull_request: { number, title: "Verify webhooks on the raw bytes", state: "open", user: { login: "octocat" } },
    repository: { full_name: repository, name: repository.split("/")[1], private: false },
    sender: { login: "octocat" },
    ...extra,
  };
  return { body: JSON.stringify(payload), repository, number };
}

export async function githubDelivery(body: string, secret: string, event: string, deliveryId: string = randomUUID()): Promise<Delivery> {
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": GITHUB_USER_AGENT,
      "x-github-event": event,
      "x-github-delivery": deliveryId,
      "x-github-hook-id": "292430182",
      "x-hub-signature-256": await signWithOctokit(secret, body),
    },
  };
}

export function standardEventBody(): { body: string; objectId: string } {
  const objectId = `inv_${token()}`;
  return { body: JSON.stringify({ type: "invoice.paid", timestamp: new Date().toISOString(), data: { id: objectId, total: 4200 } }), objectId };
}

export function standardDelivery(body: string, secret: string, messageId: string = `msg_${token()}`, timestampSeconds: number = nowSeconds()): Delivery {
  return {
    body,
    headers: {
      "content-type": "application/json",
      "user-agent": "Svix-Webhooks/1.62",
      "webhook-id": messageId,
      "webhook-timestamp": String(timestampSeconds),
      "webhook-signature": new Webhook(secret).sign(messageId, new Date(timestampSeconds * 1000), body),
    },
  };
}

export function hmacDelivery(body: string, secret: string): Delivery {
  return {
    body,
    headers: { "content-type": "application/json", "user-agent": "acme-sender/2.1", ...signHmac(HMAC_OPTIONS, secret, Buffer.from(body, "utf8")) },
  };
}

export interface Answer {
  status: number;
  headers: Headers;
  text: string;
  json: unknown;
}

export async function post(baseUrl: string, source: string, delivery: Delivery): Promise<Answer> {
  const response = await fetch(`${baseUrl}/webhooks/${source}`, { method: "POST", headers: delivery.headers, body: delivery.body });
  const text = await response.text();
  const isJson = (response.headers.get("content-type") ?? "").includes("json");
  return { status: response.status, headers: response.headers, text, json: isJson ? (JSON.parse(text) as unknown) : undefined };
}

/**
 * Posts from another loopback address (127.0.0.2, say): to ingest, a client of its own. Without
 * keep-alive, so every request is its own connection, as a flood's are.
 */
export function postFrom(localAddress: string, baseUrl: string, source: string, delivery: Delivery): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const outgoing = request(
      `${baseUrl}/webhooks/${source}`,
      { method: "POST", headers: { ...delivery.headers, connection: "close" }, localAddress },
      (response) => {
        const chunks: Buffer[] = [];
        response.on("data", (chunk: Buffer) => chunks.push(chunk));
        response.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          const headers = new Headers();
          for (const [name, value] of Object.entries(response.headers)) if (typeof value === "string") headers.set(name, value);
          const isJson = (headers.get("content-type") ?? "").includes("json");
          resolve({ status: response.statusCode ?? 0, headers, text, json: isJson ? (JSON.parse(text) as unknown) : undefined });
        });
        response.on("error", reject);
      },
    );
    outgoing.on("error", reject);
    outgoing.end(delivery.body);
  });
}

/**
 * Posts as a provider retries a 503: once a second until another answer comes or a minute has passed.
 * Returns the last answer and the statuses of the ones before it.
 */
export async function postRetryingUnavailable(send: () => Promise<Answer>): Promise<{ answer: Answer; before: number[] }> {
  const before: number[] = [];
  const deadline = Date.now() + 60_000;
  let answer = await send();
  while (answer.status === 503 && Date.now() < deadline) {
    before.push(answer.status);
    await new Promise((resolve) => setTimeout(resolve, 1000));
    answer = await send();
  }
  return { answer, before };
}
