import type { CatalogDelivery, CatalogPayload } from "@hooklog/event-catalog";
import { REDELIVERABLE, rerunWarning } from "../events/actions.ts";
import type { ConsumerOfEvent, EventDetail } from "../events/detail.ts";
import { type Html, html } from "../html.ts";
import { jsonView } from "./json-view.ts";
import { when } from "./layout.ts";

function payloadBlock(payload: CatalogPayload): Html {
  switch (payload.form) {
    case "json":
      return html`<div id="payload" data-text="${JSON.stringify(payload.value, null, 2)}">${jsonView(payload.value)}</div>`;
    case "text":
      return html`<pre id="payload">${payload.text}</pre>`;
    case "base64":
      return html`<p class="muted">Not text: its bytes in base64.</p><pre id="payload">${payload.base64}</pre>`;
    case "pruned":
      return html`<p class="none" id="payload">Pruned from the catalog ${when(payload.prunedAt)}.</p>`;
    default: {
      const unknown: never = payload;
      throw new Error(`unknown payload form ${JSON.stringify(unknown)}`);
    }
  }
}

function deliveryRows(deliveries: readonly CatalogDelivery[]): Html {
  if (deliveries.length === 0) return html`<p class="none">No delivery recorded (fetched by reconciliation, or before deliveries were recorded).</p>`;
  return html`<table data-testid="deliveries"><thead><tr><th>Received</th><th>Outcome</th><th>Status</th><th>Request id</th><th>Client</th><th>Verified by</th><th>Bytes</th></tr></thead><tbody>${deliveries.map(
    (delivery) =>
      html`<tr><td>${when(delivery.receivedAt)}</td><td><span class="state ${delivery.outcome}">${delivery.outcome}</span>${delivery.reason ? html` <span class="muted">${delivery.reason}</span>` : ""}</td><td>${delivery.status}</td><td class="mono">${delivery.requestId}</td><td class="mono">${delivery.client}</td><td>${delivery.verification.scheme ?? delivery.verification.failure ?? "-"}${delivery.verification.secretIndex === null ? "" : ` (secret ${delivery.verification.secretIndex + 1})`}</td><td>${delivery.bodyBytes}</td></tr>`,
  )}</tbody></table>`;
}

function routeAttemptRows(attempts: EventDetail["routes"]): Html {
  return html`<table data-testid="route-attempts"><thead><tr><th>When</th><th>Route</th><th>Outcome</th><th>Request</th><th>Answer</th><th>ms</th></tr></thead><tbody>${attempts.map(
    (attempt) =>
      html`<tr><td>${when(attempt.attemptedAt)}</td><td class="mono">${attempt.route}/${attempt.destination}</td><td><span class="state ${attempt.outcome === "delivered" ? "processed" : "retrying"}">${attempt.outcome}</span>${attempt.error ? html` <span class="muted">${attempt.error}</span>` : ""}</td><td><details><summary class="mono">${attempt.request.kind === "http" ? `POST ${attempt.request.url}` : `mail to ${attempt.request.to}`}</summary>${jsonView(attempt.request)}</details></td><td>${attempt.response ? html`<details><summary>${attempt.response.status}</summary>${jsonView(attempt.response)}</details>` : html`<span class="none">none</span>`}</td><td>${attempt.durationMs}</td></tr>`,
  )}</tbody></table>`;
}

function consumerBlock(eventId: string, ownKey: string, consumer: ConsumerOfEvent): Html {
  const base = `/api/events/${encodeURIComponent(eventId)}/consumers/${encodeURIComponent(consumer.consumer)}`;
  const body = JSON.stringify({ eventKey: consumer.eventKey });
  const actions = REDELIVERABLE.has(consumer.state)
    ? html`<button class="primary" data-action="POST ${base}/redeliver" data-body="${body}" data-reload data-testid="redeliver-${consumer.consumer}">Redeliver to ${consumer.consumer}</button>`
    : consumer.state === "processed"
      ? html`<button class="danger" data-action="POST ${base}/rerun" data-body="${JSON.stringify({ confirm: true, eventKey: consumer.eventKey })}" data-confirm="${rerunWarning(consumer.consumer, consumer.effects)}" data-reload data-testid="rerun-${consumer.consumer}">Force re-run</button>`
      : consumer.state === "parked"
        ? html`<span class="muted">waits behind an earlier failed event of its key: redeliver that one, and this one follows in order</span>`
        : consumer.state === "retrying"
          ? html`<span class="muted">retries on its own; redeliver once it is dead-lettered</span>`
          : "";
  // Once processed, an earlier failure is history, not trouble.
  const failing = consumer.state !== "processed";
  return html`<section class="card" data-testid="consumer-${consumer.consumer}" data-state="${consumer.state}" data-event-key="${consumer.eventKey}">
<h3><a href="/consumers/${consumer.consumer}">${consumer.consumer}</a> <span class="state ${consumer.state}" data-testid="state-${consumer.consumer}">${consumer.state.replace("_", " ")}</span></h3>
${consumer.eventKey === ownKey ? "" : html`<p class="muted">handled <span class="mono">${consumer.eventKey}</span>, which this event caused</p>`}
<dl class="grid">
<dt>runs</dt><dd>${consumer.attempts.filter((attempt) => attempt.outcome === "processed" || attempt.outcome === "failed").length} (attempt ${consumer.attemptsMade} of the latest round)</dd>
${consumer.processedAt ? html`<dt>processed</dt><dd>${when(consumer.processedAt)}${consumer.durationMs === null ? "" : ` in ${consumer.durationMs.toFixed(1)} ms`}</dd>` : ""}
${consumer.nextAttemptAt && failing ? html`<dt>next attempt</dt><dd>${when(consumer.nextAttemptAt)}</dd>` : ""}
${consumer.firstFailureAt ? html`<dt>${failing ? "first failure" : "failed first"}</dt><dd>${when(consumer.firstFailureAt)}</dd>` : ""}
${consumer.lastError ? html`<dt>${failing ? "last error" : "earlier error"}</dt><dd class="${failing ? "problem " : "muted "}mono">${consumer.lastError}</dd>` : ""}
</dl>
<h4>Attempts</h4>
<table><thead><tr><th>#</th><th>When</th><th>Outcome</th><th>Took</th><th>Error / to</th><th>By</th></tr></thead><tbody>${consumer.attempts.map(
    (attempt) =>
      html`<tr><td>${attempt.attempt}</td><td>${when(attempt.startedAt)}</td><td><span class="state ${attempt.outcome}">${attempt.outcome}</span></td><td>${attempt.durationMs === null ? "" : `${attempt.durationMs.toFixed(1)} ms`}</td><td class="mono">${attempt.error ?? ""}${attempt.routedTo ? html` <span class="muted">→ ${attempt.routedTo}</span>` : ""}</td><td>${attempt.actor ?? ""}</td></tr>`,
  )}</tbody></table>
<h4>Effects</h4>
${
  consumer.effects.length === 0
    ? html`<p class="none">No outside effect recorded.</p>`
    : html`<table data-testid="effects-${consumer.consumer}"><thead><tr><th>Effect</th><th>Result</th><th>Attempts</th><th>Completed</th></tr></thead><tbody>${consumer.effects.map(
        (effect) =>
          html`<tr><td>${effect.effect}</td><td class="mono">${effect.result === null ? "" : JSON.stringify(effect.result)}</td><td>${effect.attempts}</td><td>${when(effect.completedAt)}</td></tr>`,
      )}</tbody></table>`
}
<p>${actions}<span class="result" data-result></span></p>
</section>`;
}

export function eventPage(detail: EventDetail): Html {
  const { event } = detail;
  const secret =
    event.verification.secretIndex === null
      ? ""
      : ` · secret ${event.verification.secretIndex + 1}${detail.secretsConfigured ? ` of the ${detail.secretsConfigured} configured now` : ""}`;
  return html`<dl class="grid" data-testid="envelope">
<dt>hub event id</dt><dd class="mono">${event.eventId}</dd>
<dt>source</dt><dd>${event.source} <span class="muted">(${event.provider})</span></dd>
<dt>type</dt><dd>${event.type}</dd>
<dt>provider event id</dt><dd class="mono" data-testid="provider-event-id">${event.providerEventId}</dd>
<dt>origin</dt><dd>${event.origin}</dd>
<dt>received</dt><dd>${when(event.receivedAt)}</dd>
<dt>provider time</dt><dd>${when(event.providerTimestamp)}</dd>
<dt>verification</dt><dd>${event.verification.scheme}${secret}</dd>
<dt>content type</dt><dd>${event.contentType}</dd>
<dt>Kafka position</dt><dd class="mono">${event.position.topic} / partition ${event.position.partition} / offset ${event.position.offset}</dd>
<dt>entity</dt><dd class="mono">${event.partitionKey ? html`<a href="/events?q=${encodeURIComponent(event.partitionKey)}">${event.partitionKey}</a>` : "-"}</dd>
<dt>trace</dt><dd>${detail.traceUrl ? html`<a href="${detail.traceUrl}" data-testid="trace-link" target="_blank" rel="noopener">${event.traceId}</a>` : html`<span class="none">no trace context</span>`}</dd>
</dl>
<h2>Consumers</h2>
${
  detail.consumers.length === 0
    ? html`<p class="none">No consumer has handled it yet.</p>`
    : html`<div class="cards">${detail.consumers.map((consumer) => consumerBlock(event.eventId, `${event.source}:${event.providerEventId}`, consumer))}</div>`
}
${detail.routes.length === 0 ? "" : html`<h2>Routes</h2>${routeAttemptRows(detail.routes)}`}
<h2>Payload <button data-copy="payload">copy</button></h2>
${detail.payloadFrom === "log" ? html`<p class="muted">Read from the log: the catalog dropped its copy for its age.</p>` : ""}
${detail.payloadProblem ? html`<p class="problem">${detail.payloadProblem}</p>` : payloadBlock(detail.payload)}
<h2>Headers</h2>
${
  Object.keys(event.headers).length === 0
    ? html`<p class="none">None kept.</p>`
    : html`<table><tbody>${Object.entries(event.headers).map(([name, value]) => html`<tr><th>${name}</th><td class="mono wrap">${value}</td></tr>`)}</tbody></table>`
}
<h2>Deliveries</h2>
${deliveryRows(detail.deliveries)}
<h2>Actions taken</h2>
${
  detail.actions.length === 0
    ? html`<p class="none">None.</p>`
    : html`<table data-testid="actions"><thead><tr><th>When</th><th>Who</th><th>Action</th><th>Consumer</th></tr></thead><tbody>${detail.actions.map(
        (action) => html`<tr><td>${when(action.at)}</td><td>${action.actor}</td><td>${action.action}</td><td>${action.consumer ?? ""}</td></tr>`,
      )}</tbody></table>`
}
<h2>Events of the same entity</h2>
${
  detail.entity.length === 0
    ? html`<p class="none">No entity key.</p>`
    : html`<table data-testid="entity"><thead><tr><th>Offset</th><th>Received</th><th>Type</th><th>Provider event id</th></tr></thead><tbody>${detail.entity.map(
        (other) =>
          html`<tr${other.eventId === event.eventId ? html` aria-current="true" class="muted"` : ""}><td class="mono">${other.position.partition}/${other.position.offset}</td><td>${when(other.receivedAt)}</td><td><a href="/events/${other.eventId}">${other.type}</a></td><td class="mono">${other.providerEventId}</td></tr>`,
      )}</tbody></table>`
}`;
}
