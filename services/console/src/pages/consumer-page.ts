import { type ConsumerDetail, lagSeries } from "../areas/consumers.ts";
import { filledSeries, lineChart } from "../charts.ts";
import { html, type Html } from "../html.ts";
import { when } from "./layout.ts";

export function kafkaNotice(problem: string | null): Html | string {
  return problem ? html`<p class="notice problem" role="alert">Kafka did not answer, so groups, members and lag are missing: ${problem}</p>` : "";
}

/** A route destination whose circuit is open: its deliveries are paused while a probe tries it again. */
function circuitNotice(circuit: ConsumerDetail["circuit"]): Html | string {
  if (!circuit?.open) return "";
  return html`<p class="problem" data-testid="circuit-open">Deliveries of route ${circuit.route} to ${circuit.destination} are paused since ${when(circuit.openedAt)}: ${circuit.failures} failed in a row (${circuit.lastError ?? "no error kept"}). A probe tries again at a growing interval; the first delivery resumes them, in order.</p>`;
}

export function consumerPage(detail: ConsumerDetail): Html {
  const { name, window } = detail;
  const minuteMs = 60_000;
  const frame = { from: window.from, to: window.to };
  const base = `/api/consumers/${encodeURIComponent(name)}`;
  return html`${kafkaNotice(detail.kafkaProblem)}
${circuitNotice(detail.circuit)}
<div class="cards">
<div class="card">
<h2>Group</h2>
<dl class="grid">
<dt>Kafka group</dt><dd><code>hooklog.${name}</code></dd>
<dt>State</dt><dd>${detail.group?.state ?? "-"}</dd>
<dt>Members</dt><dd>${detail.group?.members.length ?? "-"}</dd>
<dt>Lag</dt><dd>${detail.lag ? detail.lag.reduce((sum, each) => sum + each.lag, 0) : "-"}</dd>
</dl>
</div>
<div class="card">
<h2>Events</h2>
<dl class="grid">
${Object.entries(detail.counts).map(([state, count]) => html`<dt><span class="state ${state}">${state}</span></dt><dd>${count}</dd>`)}
<dt>Oldest dead letter</dt><dd>${when(detail.oldestDeadLetterAt)}</dd>
</dl>
</div>
</div>
<h2>Members</h2>
${
  detail.group && detail.group.members.length > 0
    ? html`<table><thead><tr><th>Member</th><th>Client</th><th>Host</th></tr></thead><tbody>${detail.group.members.map(
        (member) => html`<tr><td class="mono">${member.memberId}</td><td>${member.clientId}</td><td>${member.clientHost}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="none">No running member.</p>`
}
<h2>Lag per partition</h2>
${
  detail.lag && detail.lag.length > 0
    ? html`<table><thead><tr><th>Topic</th><th>Partition</th><th>Committed</th><th>End</th><th>Lag</th></tr></thead><tbody>${detail.lag.map(
        (each) => html`<tr><td>${each.topic}</td><td>${each.partition}</td><td>${each.committed ?? "-"}</td><td>${each.end}</td><td>${each.lag}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="none">No committed offsets.</p>`
}
<h2>Lag over time</h2>
<p class="muted">Sampled every 30 s since the console started (${when(detail.lagHistorySince)}); kept for 24 hours. Kafka keeps no history of lag.</p>
${lineChart(lagSeries(detail.lagHistory), { ...frame, title: `Lag of ${name} per partition`, unit: "messages behind" })}
<h2>Handler runs per minute</h2>
${lineChart(
  [
    filledSeries("processed", detail.activity.processed, { ...frame, bucketMs: minuteMs }),
    filledSeries("failed (retried or dead-lettered)", detail.activity.failed, { ...frame, bucketMs: minuteMs }),
  ],
  { ...frame, title: `Handler runs of ${name}`, unit: "runs per minute" },
)}
<h2>Dead letters</h2>
<p>
<button class="danger" data-action="POST ${base}/redrive" data-confirm="Redrive every dead letter of ${name}? Events it processed since are skipped.">Redrive all</button>
<span class="result" data-result></span>
</p>
${
  detail.deadLetters.length > 0
    ? html`<table><thead><tr><th>Event</th><th>Key</th><th>Attempts</th><th>First failure</th><th>Dead-lettered</th><th>Last error</th></tr></thead><tbody>${detail.deadLetters.map(
        (letter) =>
          html`<tr><td><a href="/events/${encodeURIComponent(letter.eventId)}">${letter.eventId}</a></td><td class="mono">${letter.eventKey}</td><td>${letter.attempts}</td><td>${when(letter.firstFailureAt)}</td><td>${when(letter.deadLetteredAt)}</td><td class="mono">${letter.lastError ?? ""}</td></tr>`,
      )}</tbody></table>`
    : html`<p class="none">No dead letter.</p>`
}
<h2>Replay by filter</h2>
<p class="muted">Hands the catalog's matching events, on the topics ${name} reads, to ${name} again: its handler runs; outside calls it made answer from their record. Count them first.</p>
<form id="replay-filter" class="filters">
<label>Source <input name="source"></label>
<label>Type <input name="type"></label>
<label>From <input name="from" placeholder="2h or ISO time"></label>
<label>To <input name="to" placeholder="30m or ISO time"></label>
<label>Text <input name="text"></label>
<label>Entity (message key) <input name="partitionKey"></label>
</form>
<p>
<button data-action="POST ${base}/replay?dryRun=true" data-form="replay-filter">Count matching events</button>
<button class="primary" data-action="POST ${base}/replay?dryRun=false" data-form="replay-filter" data-confirm="Replay the matching events into ${name}?">Replay</button>
<span class="result" data-result></span>
</p>`;
}
