import { type ConsumerEventState, eventStates, redrive, resendEvents } from "@hooklog/consumer-kit";
import type { Caller } from "../auth/guard.ts";
import type { ConsoleDeps } from "../deps.ts";
import { badInput, conflict, notFound } from "../errors.ts";
import { type EffectRecord, effectsOf } from "./effects.ts";

/**
 * Redeliver is for a dead letter only. An event still retrying has its copy waiting in a retry
 * topic (a second copy would fork its retries); a parked one waits behind the failed event of its
 * key, and applied now it would overtake it: that event is the one to redeliver.
 */
export const REDELIVERABLE = new Set(["dead_lettered"]);

export interface ActionResult {
  summary: string;
}

/**
 * The consumer's state of the event, or of one event it caused (a task an invoice created): with
 * several, the body's `eventKey` says which.
 */
async function stateOf(deps: ConsoleDeps, eventId: string, consumer: string, body: unknown): Promise<ConsumerEventState> {
  const eventKey = (body as { eventKey?: unknown } | undefined)?.eventKey;
  if (eventKey !== undefined && typeof eventKey !== "string") throw badInput("eventKey is the key of the event the consumer handled, a string.");
  const states = (await eventStates(deps.db, eventId)).filter((each) => each.consumer === consumer && (eventKey === undefined || each.eventKey === eventKey));
  const [state] = states;
  if (!state)
    throw notFound(`${consumer} has no record of event ${eventId}${eventKey ? ` (${eventKey})` : ""}: it has not read it yet, or does not subscribe to it.`);
  if (states.length > 1)
    throw badInput(`${consumer} handled ${states.length} events of ${eventId} (${states.map((each) => each.eventKey).join(", ")}): say which with eventKey.`);
  return state;
}

/**
 * Redelivers a failed event to one consumer now. A dead letter is redriven (the kit reads it from the
 * dead letters); an event waiting for its next retry, or parked behind its key, is sent again from
 * its position in the log. Effects already made are not repeated (`once` answers from its record).
 */
export async function redeliver(deps: ConsoleDeps, caller: Caller, eventId: string, consumer: string, body: unknown): Promise<ActionResult> {
  const state = await stateOf(deps, eventId, consumer, body);
  if (!REDELIVERABLE.has(state.state))
    throw conflict(
      state.state === "retrying"
        ? `${consumer} retries this event on its own${state.nextAttemptAt ? ` at ${state.nextAttemptAt.toISOString()}` : ""}; redeliver is for a dead letter.`
        : state.state === "parked"
          ? `${consumer} holds this event behind an earlier failed event of its key; redeliver that one, and this one follows in order.`
          : `${consumer} has this event ${state.state.replace("_", " ")}; redeliver is for a dead letter. Use force re-run to repeat a processed one.`,
    );
  const result = await redrive(consumer, { kafkaBrokers: deps.kafkaBrokers, db: deps.db, eventKey: state.eventKey, actor: caller.actor });
  const summary = result.redriven > 0 ? `redriven to ${consumer}` : `${consumer} processed it meanwhile: nothing to redrive`;
  await deps.actions.record({ actor: caller.actor, action: "redeliver", consumer, eventId, detail: { from: state.state, eventKey: state.eventKey } });
  deps.metrics.actions.inc({ action: "redeliver" });
  return { summary };
}

/** What a force re-run would repeat: said in the confirmation before it is asked for. */
export function rerunWarning(consumer: string, effects: readonly EffectRecord[]): string {
  const made = effects.filter((effect) => effect.completedAt !== null).map((effect) => effect.effect);
  // The calls go out with their first idempotency keys: a service that keeps those (Stripe, PagerDuty's dedup_key) may answer from the first call.
  const outside =
    made.length > 0
      ? `its outside effects will be made again: ${made.join(", ")} (with the same idempotency keys: a service that remembers them may answer as the first time)`
      : "it recorded no outside effect";
  return `Force re-run: ${consumer} runs its handler for this event again as if for the first time; ${outside}.`;
}

/**
 * Forces a processed event through one consumer again: its processed mark and `once` records are
 * cleared (so its effects repeat), and the event is sent from its position in the log. Asked only
 * with `confirm: true`, after the page said what will repeat.
 */
export async function forceRerun(deps: ConsoleDeps, caller: Caller, eventId: string, consumer: string, body: unknown): Promise<ActionResult> {
  if ((body as { confirm?: unknown } | undefined)?.confirm !== true)
    throw badInput(`A force re-run repeats ${consumer}'s effects for this event: send {"confirm": true} to confirm.`);
  const state = await stateOf(deps, eventId, consumer, body);
  if (state.state !== "processed")
    throw conflict(`${consumer} has this event ${state.state.replace("_", " ")}, not processed; use redeliver for a failed event.`);
  const repeated = (await effectsOf(deps.db, consumer, state.eventKey)).map((effect) => effect.effect);
  await resendEvents(consumer, [{ eventKey: state.eventKey, position: state.position, eventId }], {
    kafkaBrokers: deps.kafkaBrokers,
    db: deps.db,
    clearEffects: true,
    actor: caller.actor,
  });
  await deps.actions.record({ actor: caller.actor, action: "rerun", consumer, eventId, detail: { eventKey: state.eventKey, effectsCleared: repeated } });
  deps.metrics.actions.inc({ action: "rerun" });
  return { summary: `re-running in ${consumer}${repeated.length > 0 ? `; effects cleared: ${repeated.join(", ")}` : ""}` };
}
