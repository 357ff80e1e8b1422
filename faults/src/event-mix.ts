// The events the load is made of, and the effects each one must have once, and only once: every
// kind here is one a consumer acts on.
import { effectKey, type ExpectedEffect } from "./effect-tally.ts";
import { checkRunFailed, pullRequestOpened, signGithub } from "./github-deliveries.ts";
import type { SignedDelivery } from "./signed-delivery.ts";
import { disputeCreated, invoicePaid, invoicePaymentFailed, signStripe } from "./stripe-events.ts";

export type EventKind = "invoice.paid" | "invoice.payment_failed" | "charge.dispute.created" | "pull_request.opened" | "check_run.completed";

export interface PlannedEvent {
  /** source:providerEventId, as ingest's ledger, the envelope and the consumers' processed marks name it. */
  key: string;
  source: "stripe" | "github";
  kind: EventKind;
  /** The phase (fault) it was first sent in. */
  phase: string;
  bytes: number;
  effects: readonly ExpectedEffect[];
}

/** An event and how to deliver it; the load drops `sign` (and the body it holds) once its last delivery is done. */
export interface Outgoing {
  event: PlannedEvent;
  /** The delivery as the provider sends it this time (Stripe signs each attempt anew). */
  sign: () => Promise<SignedDelivery>;
}

export interface Secrets {
  stripe: string;
  github: string;
}

/** One cycle of the mix: 12 Stripe events and 8 GitHub deliveries in every 20. */
const CYCLE: readonly EventKind[] = [
  "invoice.paid",
  "pull_request.opened",
  "invoice.payment_failed",
  "check_run.completed",
  "invoice.paid",
  "charge.dispute.created",
  "invoice.paid",
  "pull_request.opened",
  "invoice.payment_failed",
  "check_run.completed",
  "invoice.paid",
  "invoice.paid",
  "pull_request.opened",
  "invoice.payment_failed",
  "check_run.completed",
  "invoice.paid",
  "charge.dispute.created",
  "pull_request.opened",
  "invoice.paid",
  "check_run.completed",
];

const PREVIEW = (number: number): string => `preview/pr-${number}`;

export class EventMix {
  readonly #secrets: Secrets;
  #next = 0;

  constructor(secrets: Secrets) {
    this.#secrets = secrets;
  }

  /** The next event of the cycle. */
  next(phase: string): Outgoing {
    const kind = CYCLE[this.#next++ % CYCLE.length] as EventKind;
    return this.make(kind, phase);
  }

  /** A pull request opened whose delivery is `bytes` long (GitHub sends up to 25 MB). */
  large(phase: string, bytes: number): Outgoing {
    return this.#pullRequest(phase, bytes);
  }

  make(kind: EventKind, phase: string): Outgoing {
    switch (kind) {
      case "invoice.paid": {
        const event = invoicePaid();
        // fulfillment makes the order's task; its TaskCreated reaches alerts, which posts to Slack.
        return this.#stripe(kind, phase, event, [
          { consumer: "fulfillment", key: effectKey.task(event.orderId) },
          { consumer: "alerts", key: effectKey.slack(`task_${event.orderId}`) },
        ]);
      }
      case "invoice.payment_failed": {
        const event = invoicePaymentFailed();
        return this.#stripe(kind, phase, event, [{ consumer: "alerts", key: effectKey.slack(event.invoiceId) }]);
      }
      case "charge.dispute.created": {
        const event = disputeCreated();
        return this.#stripe(kind, phase, event, [{ consumer: "alerts", key: effectKey.slack(event.disputeId) }]);
      }
      case "pull_request.opened":
        return this.#pullRequest(phase, 0);
      case "check_run.completed": {
        const delivery = checkRunFailed();
        const secret = this.#secrets.github;
        return {
          event: {
            key: `github:${delivery.deliveryId}`,
            source: "github",
            kind,
            phase,
            bytes: Buffer.byteLength(delivery.body),
            effects: [{ consumer: "alerts", key: effectKey.page(delivery.dedupKey) }],
          },
          sign: () => signGithub(delivery, secret),
        };
      }
      default: {
        const unknown: never = kind;
        throw new Error(`no event of kind ${String(unknown)}`);
      }
    }
  }

  #stripe(kind: EventKind, phase: string, event: { eventId: string; body: string }, effects: ExpectedEffect[]): Outgoing {
    const secret = this.#secrets.stripe;
    return {
      event: { key: `stripe:${event.eventId}`, source: "stripe", kind, phase, bytes: Buffer.byteLength(event.body), effects },
      sign: async () => signStripe(event.body, secret),
    };
  }

  #pullRequest(phase: string, padTo: number): Outgoing {
    const delivery = pullRequestOpened(padTo);
    const secret = this.#secrets.github;
    const environment = PREVIEW(delivery.number);
    return {
      event: {
        key: `github:${delivery.deliveryId}`,
        source: "github",
        kind: "pull_request.opened",
        phase,
        bytes: Buffer.byteLength(delivery.body),
        // A preview deployment of the head commit, and its "queued" status.
        effects: [
          { consumer: "deployments", key: effectKey.deployment(delivery.repository, environment, delivery.headSha) },
          { consumer: "deployments", key: effectKey.status(delivery.repository, environment, delivery.headSha, "queued") },
        ],
      },
      sign: () => signGithub(delivery, secret),
    };
  }
}
